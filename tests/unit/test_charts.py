"""The progress charts: the Telegram PNG and the dashboard's inline SVG."""

from __future__ import annotations

import io
import random
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from PIL import Image

from bot.charts import (
    HEIGHT,
    STATUS_STYLES,
    WIDTH,
    CravingPoint,
    DayCell,
    DayStatus,
    calendar_layout,
    calendar_svg,
    craving_svg,
    progress_png,
)
from bot.charts.model import normalize_cravings, normalize_days
from bot.charts.palette import CRAVING_LINE, hex_to_rgb

SVG = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HOSTILE = "<script>alert(1)</script>"
# A Wednesday, so 30 days back starts mid-week and the grid has a ragged first row.
END = date(2026, 11, 25)


def month(statuses: list[DayStatus], end: date = END) -> list[DayCell]:
    start = end - timedelta(days=len(statuses) - 1)
    return [DayCell(start + timedelta(days=i), status) for i, status in enumerate(statuses)]


def typical_days(count: int = 30) -> list[DayCell]:
    cycle = [
        DayStatus.TAKEN,
        DayStatus.TAKEN,
        DayStatus.PARTIAL,
        DayStatus.TAKEN,
        DayStatus.MISSED,
        DayStatus.SKIPPED,
        DayStatus.NO_DOSE,
    ]
    statuses = [cycle[i % len(cycle)] for i in range(count - 1)] + [DayStatus.PENDING]
    return month(statuses)


def typical_cravings(count: int = 30) -> list[CravingPoint]:
    start = END - timedelta(days=count - 1)
    return [
        CravingPoint(start + timedelta(days=i), (7 - i // 5) % 11) for i in range(count) if i % 4
    ]


def open_png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def rgb_at(image: Image.Image, xy: tuple[int, int]) -> tuple[int, int, int]:
    pixel = image.convert("RGB").getpixel(xy)
    assert isinstance(pixel, tuple)
    return (int(pixel[0]), int(pixel[1]), int(pixel[2]))


def has_colour(image: Image.Image, colour: str) -> bool:
    wanted = hex_to_rgb(colour)
    rgb = image.convert("RGB")
    return any(count and c == wanted for count, c in rgb.getcolors(maxcolors=1 << 20) or [])


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def cell_rects(root: ET.Element) -> list[ET.Element]:
    return [rect for rect in root.iter(f"{SVG}rect") if rect.get("data-date")]


def all_text(root: ET.Element) -> str:
    return " ".join("".join(element.itertext()) for element in root.iter())


# --------------------------------------------------------------------------
# PNG: what the patient sees in Telegram


def test_png_is_a_phone_sized_png() -> None:
    data = progress_png(typical_days(), typical_cravings())

    assert data.startswith(PNG_SIGNATURE)
    image = open_png(data)
    assert image.format == "PNG"
    assert image.size == (WIDTH, HEIGHT) == (900, 460)


@pytest.mark.parametrize("status", list(DayStatus))
def test_each_day_is_painted_in_its_status_colour(status: DayStatus) -> None:
    days = month([DayStatus.NO_DOSE] * 10 + [status] + [DayStatus.NO_DOSE] * 5)
    target = days[10].day

    image = open_png(progress_png(days, []))
    box = calendar_layout(days).box_for(target)

    assert rgb_at(image, box.centre) == hex_to_rgb(STATUS_STYLES[status].fill)


def test_taken_is_green_and_missed_is_amber_not_red() -> None:
    days = month([DayStatus.TAKEN, DayStatus.MISSED])
    image = open_png(progress_png(days, []))
    layout = calendar_layout(days)

    assert rgb_at(image, layout.box_for(days[0].day).centre) == (0x00, 0x9E, 0x73)
    assert rgb_at(image, layout.box_for(days[1].day).centre) == (0xE6, 0x9F, 0x00)


def test_the_calendar_starts_weeks_on_monday() -> None:
    days = typical_days()
    layout = calendar_layout(days)

    for cell, box in layout.cells:
        column = layout.weekday_headers[cell.day.weekday()]
        assert (box.left, box.right) == (column.left, column.right)
    mondays = [box for cell, box in layout.cells if cell.day.weekday() == 0]
    assert [b.top for b in mondays] == sorted(b.top for b in mondays)
    assert len({b.top for b in mondays}) == len(mondays)


@pytest.mark.parametrize("count", [1, 7, 30, 45, 90, 120])
def test_calendar_cells_fit_in_the_image_without_overlapping(count: int) -> None:
    layout = calendar_layout(typical_days(count))
    boxes = [box for _, box in layout.cells]

    assert len(boxes) == count
    for box in boxes:
        assert 0 <= box.left < box.right <= WIDTH // 2
        assert 0 <= box.top < box.bottom < layout.legend_top < HEIGHT
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a.right <= b.left or b.right <= a.left or a.bottom <= b.top or b.bottom <= a.top


def test_thirty_days_fit_with_cells_big_enough_to_tap_and_read() -> None:
    assert calendar_layout(typical_days(30)).cell_size >= 40


def test_craving_line_is_drawn_when_there_are_check_ins() -> None:
    image = open_png(progress_png(typical_days(), typical_cravings()))

    assert has_colour(image, CRAVING_LINE)


def test_no_check_ins_shows_a_note_instead_of_a_line() -> None:
    image = open_png(progress_png(typical_days(), []))

    assert image.size == (WIDTH, HEIGHT)
    assert not has_colour(image, CRAVING_LINE)


def test_check_ins_outside_the_calendar_dates_are_left_out() -> None:
    days = typical_days()
    long_ago = [CravingPoint(days[0].day - timedelta(days=60), 5)]

    image = open_png(progress_png(days, long_ago))

    assert not has_colour(image, CRAVING_LINE)


@pytest.mark.parametrize(
    ("days", "cravings"),
    [
        ([], []),
        ([], [CravingPoint(END, 4)]),
        ([DayCell(END, DayStatus.PENDING)], []),
        ([DayCell(END, DayStatus.TAKEN)], [CravingPoint(END, 3)]),
    ],
    ids=["nothing", "cravings-only", "one-open-day", "one-day-one-check-in"],
)
def test_sparse_inputs_still_render(days: list[DayCell], cravings: list[CravingPoint]) -> None:
    image = open_png(progress_png(days, cravings))

    assert image.size == (WIDTH, HEIGHT)


@pytest.mark.parametrize(
    "title",
    [
        "Zoë’s progress 🌱",
        "שלום, 日本語, Ελληνικά",
        "line one\nline two\tand a tab\x00\x1b",
        "lone surrogate \ud800 here",
        "very long title " * 200,
        "",
    ],
    ids=["accents-emoji", "scripts", "control-chars", "surrogate", "long", "empty"],
)
def test_any_title_renders(title: str) -> None:
    data = progress_png(typical_days(), typical_cravings(), title=title)

    assert open_png(data).size == (WIDTH, HEIGHT)


def test_days_out_of_order_render_like_sorted_days() -> None:
    days = typical_days()
    shuffled = days[:]
    random.Random(7).shuffle(shuffled)
    cravings = typical_cravings()
    shuffled_cravings = cravings[::-1]

    assert progress_png(shuffled, shuffled_cravings) == progress_png(days, cravings)
    assert calendar_layout(shuffled) == calendar_layout(days)


def test_a_repeated_day_takes_its_last_status() -> None:
    days = month([DayStatus.TAKEN] * 5)
    target = days[2].day
    image = open_png(progress_png([*days, DayCell(target, DayStatus.MISSED)], []))
    layout = calendar_layout([*days, DayCell(target, DayStatus.MISSED)])

    assert len(layout.cells) == 5
    assert rgb_at(image, layout.box_for(target).centre) == hex_to_rgb("#E69F00")


def test_png_is_deterministic() -> None:
    first = progress_png(typical_days(), typical_cravings(), title="Your last 30 days")
    second = progress_png(typical_days(), typical_cravings(), title="Your last 30 days")

    assert first == second


def test_png_renders_the_same_chart_every_time() -> None:
    # How fast it renders is measured in bench/, not asserted here: a wall-clock assertion
    # failed on a loaded machine. What a user would notice is the same chart every time.
    days, cravings = typical_days(), typical_cravings()
    first = progress_png(days, cravings)
    assert first.startswith(b"\x89PNG") and progress_png(days, cravings) == first


# --------------------------------------------------------------------------
# SVG calendar: what staff see on the dashboard


def test_calendar_svg_is_accessible_and_scales() -> None:
    root = parse(calendar_svg(typical_days(90)))

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("height") is None
    viewbox = (root.get("viewBox") or "").split()
    assert len(viewbox) == 4 and float(viewbox[2]) > 0 and float(viewbox[3]) > 0
    assert (root.get("aria-label") or "").startswith("Dose calendar")
    assert root[0].tag == f"{SVG}title"
    assert (root[0].text or "").startswith("Dose calendar")


@pytest.mark.parametrize("count", [1, 30, 90, 100, 400])
def test_every_calendar_cell_names_its_date_and_status(count: int) -> None:
    days = typical_days(count)
    root = parse(calendar_svg(days))
    rects = cell_rects(root)

    assert len(rects) == count
    for cell, rect in zip(days, rects, strict=True):
        title = rect.find(f"{SVG}title")
        assert title is not None and title.text is not None
        assert cell.day.isoformat() in title.text
        assert STATUS_STYLES[cell.status].description in title.text
        assert rect.get("fill") == STATUS_STYLES[cell.status].fill
        assert rect.get("data-status") == cell.status.value


def test_calendar_svg_puts_weeks_in_columns_and_weekdays_in_rows() -> None:
    days = typical_days(21)
    rects = {rect.get("data-date"): rect for rect in cell_rects(parse(calendar_svg(days)))}

    def position(day: date) -> tuple[float, float]:
        rect = rects[day.isoformat()]
        return float(rect.get("x", "nan")), float(rect.get("y", "nan"))

    wednesday = END
    assert position(wednesday)[1] == position(wednesday - timedelta(days=7))[1]
    assert position(wednesday)[0] > position(wednesday - timedelta(days=7))[0]
    assert position(wednesday)[0] == position(wednesday - timedelta(days=1))[0]
    assert position(wednesday)[1] > position(wednesday - timedelta(days=1))[1]


@pytest.mark.parametrize("count", [1, 90])
def test_calendar_svg_keeps_cells_and_legend_inside_its_viewbox(count: int) -> None:
    root = parse(calendar_svg(typical_days(count)))
    _, _, width, height = (float(v) for v in (root.get("viewBox") or "").split())

    for rect in root.iter(f"{SVG}rect"):
        assert float(rect.get("x", "nan")) + float(rect.get("width", "nan")) <= width
        assert float(rect.get("y", "nan")) + float(rect.get("height", "nan")) <= height


def test_calendar_svg_sorts_days_and_the_last_duplicate_wins() -> None:
    days = typical_days(10)
    shuffled = [*days[::-1], DayCell(days[3].day, DayStatus.SKIPPED)]
    rects = cell_rects(parse(calendar_svg(shuffled)))

    assert [r.get("data-date") for r in rects] == [c.day.isoformat() for c in days]
    assert rects[3].get("data-status") == "skipped"


def test_calendar_label_is_escaped_never_markup() -> None:
    svg = calendar_svg(typical_days(), label=HOSTILE)
    root = parse(svg)

    assert "<script" not in svg
    assert not list(root.iter(f"{SVG}script")) and not list(root.iter("script"))
    assert root[0].text is not None and root[0].text.startswith(HOSTILE)
    assert (root.get("aria-label") or "").startswith(HOSTILE)


def test_calendar_label_with_quotes_and_controls_stays_well_formed() -> None:
    label = 'Ann "A&B" O\'Neil\x00\x08\n onclick=alert(1)'
    root = parse(calendar_svg(typical_days(), label=label))

    assert root.get("onclick") is None
    assert (root.get("aria-label") or "").startswith('Ann "A&B" O\'Neil onclick=alert(1)')


def test_empty_calendar_svg_is_still_a_labelled_image() -> None:
    root = parse(calendar_svg([], label=HOSTILE))

    assert root.get("role") == "img"
    assert root[0].tag == f"{SVG}title"
    assert cell_rects(root) == []
    assert "No dose days yet" in all_text(root)


def test_calendar_svg_is_deterministic() -> None:
    assert calendar_svg(typical_days(90)) == calendar_svg(typical_days(90))


# --------------------------------------------------------------------------
# SVG craving chart


def circles(root: ET.Element) -> list[ET.Element]:
    return list(root.iter(f"{SVG}circle"))


def polyline_points(root: ET.Element) -> list[tuple[float, float]]:
    lines = list(root.iter(f"{SVG}polyline"))
    if not lines:
        return []
    assert len(lines) == 1
    pairs = (lines[0].get("points") or "").split()
    return [(float(x), float(y)) for x, y in (pair.split(",") for pair in pairs)]


@pytest.mark.parametrize("count", [2, 10, 30, 120])
def test_one_dot_and_one_line_vertex_per_check_in(count: int) -> None:
    start = END - timedelta(days=count - 1)
    points = [CravingPoint(start + timedelta(days=i), i % 11) for i in range(count)]
    root = parse(craving_svg(points))

    assert len(circles(root)) == count
    assert len(polyline_points(root)) == count
    assert root.get("role") == "img"
    assert root[0].tag == f"{SVG}title"


def test_a_single_check_in_is_a_dot_without_a_line() -> None:
    root = parse(craving_svg([CravingPoint(END, 6)]))

    assert len(circles(root)) == 1
    assert polyline_points(root) == []


def test_out_of_range_cravings_are_clamped_to_the_scale() -> None:
    points = [
        CravingPoint(END - timedelta(days=3), 10),
        CravingPoint(END - timedelta(days=2), 15),
        CravingPoint(END - timedelta(days=1), 0),
        CravingPoint(END, -4),
    ]
    dots = circles(parse(craving_svg(points)))

    assert [d.get("data-craving") for d in dots] == ["10", "10", "0", "0"]
    assert dots[0].get("cy") == dots[1].get("cy")
    assert dots[2].get("cy") == dots[3].get("cy")
    assert float(dots[0].get("cy", "nan")) < float(dots[2].get("cy", "nan"))
    assert [p.craving for p in normalize_cravings(points)] == [10, 10, 0, 0]


def test_dots_run_left_to_right_in_date_order_whatever_the_input_order() -> None:
    points = typical_cravings()
    shuffled = points[:]
    random.Random(3).shuffle(shuffled)
    dots = circles(parse(craving_svg(shuffled)))

    xs = [float(d.get("cx", "nan")) for d in dots]
    assert xs == sorted(xs)
    assert [d.get("data-date") for d in dots] == [p.day.isoformat() for p in points]
    assert craving_svg(shuffled) == craving_svg(points)


def test_each_dot_has_a_title_with_date_and_value() -> None:
    points = [CravingPoint(END - timedelta(days=1), 3), CravingPoint(END, 2)]
    for point, dot in zip(points, circles(parse(craving_svg(points))), strict=True):
        title = dot.find(f"{SVG}title")
        assert title is not None and title.text is not None
        assert point.day.isoformat() in title.text
        assert f"craving {point.craving} of 10" in title.text


def test_start_and_end_limit_and_stretch_the_range() -> None:
    points = [CravingPoint(END - timedelta(days=d), 5) for d in range(10)]
    window = parse(craving_svg(points, start=END - timedelta(days=4), end=END))
    wide = parse(craving_svg(points, start=END - timedelta(days=89), end=END))
    narrow = parse(craving_svg(points))

    assert len(circles(window)) == 5
    first_wide = float(circles(wide)[0].get("cx", "nan"))
    first_narrow = float(circles(narrow)[0].get("cx", "nan"))
    assert first_wide > first_narrow  # ten days in ninety sit at the right-hand end


def test_start_after_end_is_a_caller_mistake() -> None:
    with pytest.raises(ValueError, match="after"):
        craving_svg([CravingPoint(END, 3)], start=END, end=END - timedelta(days=1))


def test_no_check_ins_says_so() -> None:
    svg = craving_svg([])
    root = parse(svg)

    assert root.get("role") == "img"
    assert root[0].tag == f"{SVG}title"
    assert "No check-ins yet" in all_text(root)
    assert circles(root) == []


def test_no_check_ins_in_the_window_says_so() -> None:
    root = parse(
        craving_svg(
            [CravingPoint(END, 3)], start=END - timedelta(days=30), end=END - timedelta(days=1)
        )
    )

    assert circles(root) == []
    assert "No check-ins" in all_text(root)


@pytest.mark.parametrize("points", [[], [CravingPoint(END, 3)]], ids=["empty", "one"])
def test_craving_label_is_escaped_never_markup(points: list[CravingPoint]) -> None:
    svg = craving_svg(points, label=HOSTILE)
    root = parse(svg)

    assert "<script" not in svg
    assert not list(root.iter(f"{SVG}script")) and not list(root.iter("script"))
    assert root[0].text is not None and root[0].text.startswith(HOSTILE)


def test_craving_svg_is_deterministic() -> None:
    assert craving_svg(typical_cravings()) == craving_svg(typical_cravings())


# --------------------------------------------------------------------------
# Shared model


def test_normalize_days_sorts_and_keeps_the_last_duplicate() -> None:
    a = DayCell(date(2026, 1, 2), DayStatus.TAKEN)
    b = DayCell(date(2026, 1, 1), DayStatus.MISSED)
    c = DayCell(date(2026, 1, 2), DayStatus.PARTIAL)

    assert normalize_days([a, b, c]) == [b, c]


def test_png_and_svg_share_one_palette() -> None:
    days = month(list(DayStatus))
    rects = cell_rects(parse(calendar_svg(days)))
    image = open_png(progress_png(days, []))
    layout = calendar_layout(days)

    for cell, rect in zip(days, rects, strict=True):
        assert hex_to_rgb(rect.get("fill", "")) == rgb_at(image, layout.box_for(cell.day).centre)
