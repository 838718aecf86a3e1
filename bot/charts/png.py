"""The /progress picture for Telegram: a dose calendar beside a craving trend, as PNG bytes."""

from __future__ import annotations

import functools
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from PIL import Image, ImageDraw, ImageFont

from bot.charts.model import (
    CRAVING_MAX,
    CravingPoint,
    DayCell,
    DayStatus,
    normalize_cravings,
    normalize_days,
)
from bot.charts.palette import (
    AXIS,
    BACKGROUND,
    CRAVING_LINE,
    GRID,
    NOTE_BACKGROUND,
    STATUS_STYLES,
    TEXT,
    TEXT_MUTED,
    legend_statuses,
)
from bot.charts.text import (
    NO_CHECKINS_HERE,
    NO_CHECKINS_YET,
    clean_text,
    date_range,
    short_date,
    weekday_names,
)
from bot.i18n import t

WIDTH = 900
HEIGHT = 460

_PAD = 24
_CAL_LEFT = _PAD
_CAL_RIGHT = 444
_HEADER_TOP = 86
_GRID_TOP = 108
# The lowest the grid may reach and still leave room for a two-row legend inside the image.
_GRID_BOTTOM_LIMIT = 384
_MAX_CELL = 56
_LEGEND_SWATCH = 18
_LEGEND_ROW = 26
# Cells smaller than this get colour only: numbers and markers would crowd the centre.
_MIN_DECORATED_CELL = 32

_PLOT_LEFT = 516
_PLOT_RIGHT = 870
_PLOT_TOP = 116
_PLOT_BOTTOM = 394
_PLOT_HEADING_TOP = 84
# The trend is drawn at twice the size and halved, which anti-aliases the line Pillow cannot.
_SUPERSAMPLE = 2
_DOT_RADIUS = 5
_LINE_WIDTH = 3

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


class Box(NamedTuple):
    """A pixel rectangle; ``right`` and ``bottom`` are exclusive."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def centre(self) -> tuple[int, int]:
        return (self.left + (self.right - self.left) // 2, self.top + (self.bottom - self.top) // 2)

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top


@dataclass(frozen=True)
class CalendarLayout:
    """Where the calendar's parts go, shared by the renderer and by tests that read pixels."""

    cells: tuple[tuple[DayCell, Box], ...]
    weekday_headers: tuple[Box, ...]  # Mon..Sun
    cell_size: int
    legend_top: int

    def box_for(self, day: date) -> Box:
        for cell, box in self.cells:
            if cell.day == day:
                return box
        raise KeyError(day)


def calendar_layout(days: Sequence[DayCell]) -> CalendarLayout:
    """Place ``days`` in a Monday-first grid, one row per week, sized to fit the left panel."""
    cells = normalize_days(days)
    panel_width = _CAL_RIGHT - _CAL_LEFT
    if cells:
        first_monday = cells[0].day - timedelta(days=cells[0].day.weekday())
        rows = (cells[-1].day - first_monday).days // 7 + 1
    else:
        first_monday = date.min
        rows = 5
    gap = 6 if rows <= 8 else 3 if rows <= 20 else 1
    size = min(
        _MAX_CELL,
        (panel_width - 6 * gap) // 7,
        (_GRID_BOTTOM_LIMIT - _GRID_TOP - (rows - 1) * gap) // rows,
    )
    size = max(size, 2)
    step = size + gap

    placed: list[tuple[DayCell, Box]] = []
    for cell in cells:
        offset = (cell.day - first_monday).days
        left = _CAL_LEFT + (offset % 7) * step
        top = _GRID_TOP + (offset // 7) * step
        placed.append((cell, Box(left, top, left + size, top + size)))

    headers = tuple(
        Box(_CAL_LEFT + col * step, _HEADER_TOP, _CAL_LEFT + col * step + size, _GRID_TOP - 4)
        for col in range(7)
    )
    grid_bottom = _GRID_TOP + rows * step - gap
    return CalendarLayout(tuple(placed), headers, size, grid_bottom + 14)


def progress_png(
    days: Sequence[DayCell],
    cravings: Sequence[CravingPoint],
    *,
    title: str | None = None,
    lang: str = "en",
) -> bytes:
    """A phone-sized PNG: the dose calendar on the left and the craving trend on the right.

    The trend covers the calendar's dates; without days it covers the check-ins' own dates.
    Every label (title, weekdays, months, legend, axis) is in ``lang``; a ``title`` passed in
    is drawn as given.
    """
    if title is None:
        title = t(lang, "Your last 30 days")
    cells = normalize_days(days)
    points = normalize_cravings(cravings)
    if cells:
        span: tuple[date, date] | None = (cells[0].day, cells[-1].day)
    elif points:
        span = (points[0].day, points[-1].day)
    else:
        span = None

    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    _draw_title(draw, title, span, lang)
    layout = calendar_layout(cells)
    _draw_calendar(draw, layout, lang)
    _draw_legend(draw, layout, {cell.status for cell in cells}, lang)
    _draw_cravings(image, draw, points, span, had_any=bool(points), lang=lang)

    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# Pillow's built-in face has no accented letters ("días" would show a box for the "í"). Other
# languages are drawn in DejaVu Sans where the system has it (Debian's fonts-dejavu-core);
# without it their words are drawn without accents ("dias"), never as boxes. English keeps the
# built-in face, so its picture is the same wherever it is drawn.
_ACCENTED_FACES = ("DejaVuSans.ttf",)


@functools.cache
def _accented_face() -> str | None:
    """The path of a face with accented letters, or None when the system has none."""
    for name in _ACCENTED_FACES:
        try:
            return str(ImageFont.truetype(name, 12).path)
        except OSError:
            continue
    return None


@functools.cache
def _font(size: int, lang: str = "en") -> Font:
    # Every render asks for the same handful of sizes; reuse them rather than decode again.
    face = _accented_face() if lang != "en" else None
    if face is not None:
        return ImageFont.truetype(face, size)
    return ImageFont.load_default(size=size)


def _glyphs(text: str, lang: str) -> str:
    """``text`` as the face drawing it can show: accents dropped only when it has none."""
    if lang == "en" or text.isascii() or _accented_face() is not None:
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _fit(draw: ImageDraw.ImageDraw, text: str, font: Font, max_width: int) -> str:
    """``text`` shortened with an ellipsis until it fits ``max_width`` pixels."""
    if draw.textlength(text, font=font) <= max_width:
        return text
    # Far more than a line holds, and it keeps the trimming loop short for absurd input.
    text = text[:120]
    while text and draw.textlength(text + "…", font=font) > max_width:
        text = text[:-1]
    return text.rstrip() + "…"


def _draw_title(
    draw: ImageDraw.ImageDraw, title: str, span: tuple[date, date] | None, lang: str
) -> None:
    font = _font(26, lang)
    draw.text(
        (_PAD, 18),
        _fit(draw, _glyphs(clean_text(title), lang), font, WIDTH - 2 * _PAD),
        fill=TEXT,
        font=font,
    )
    if span is not None:
        draw.text(
            (_PAD, 54),
            _glyphs(date_range(*span, lang=lang), lang),
            fill=TEXT_MUTED,
            font=_font(15, lang),
        )


def _draw_calendar(draw: ImageDraw.ImageDraw, layout: CalendarLayout, lang: str) -> None:
    size = layout.cell_size
    header_font = _font(14, lang)
    names = weekday_names(lang, "abbreviated" if size >= 30 else "narrow")
    for label, box in zip(names, layout.weekday_headers, strict=True):
        draw.text(
            (box.centre[0], box.bottom),
            _glyphs(label, lang),
            fill=TEXT_MUTED,
            font=header_font,
            anchor="ms",
        )

    if not layout.cells:
        draw.text(
            (_CAL_LEFT, _GRID_TOP + 12),
            _glyphs(t(lang, "Your dose days will show here."), lang),
            fill=TEXT_MUTED,
            font=_font(16, lang),
        )
        return

    decorated = size >= _MIN_DECORATED_CELL
    number_font = _font(max(11, min(16, round(size * 0.3))), lang)
    radius = max(1, min(8, size // 6))
    for index, (cell, box) in enumerate(layout.cells):
        style = STATUS_STYLES[cell.status]
        draw.rounded_rectangle(
            (box.left, box.top, box.right - 1, box.bottom - 1),
            radius=radius,
            fill=style.fill,
            outline=style.outline,
            width=2 if style.outline else 0,
        )
        if not decorated:
            continue
        # Naming the month on the first cell and on each 1st keeps long ranges readable.
        label = str(cell.day.day)
        if index == 0 or cell.day.day == 1:
            with_month = _glyphs(short_date(cell.day, lang), lang)
            if draw.textlength(with_month, font=number_font) <= size - 6:
                label = with_month
        draw.text((box.left + 5, box.top + 4), label, fill=TEXT, font=number_font)
        mark = round(size * 0.26)
        _draw_marker(
            draw,
            cell.status,
            Box(box.right - 5 - mark, box.bottom - 5 - mark, box.right - 5, box.bottom - 5),
        )


def _draw_marker(draw: ImageDraw.ImageDraw, status: DayStatus, box: Box) -> None:
    """A shape that repeats the status, so the calendar still reads in greyscale.

    Full, half and empty circles mirror taken, partly and missed; a dash is a deliberate skip.
    """
    xy = (box.left, box.top, box.right - 1, box.bottom - 1)
    stroke = max(2, box.width // 6)
    if status is DayStatus.TAKEN:
        draw.ellipse(xy, fill=TEXT)
    elif status is DayStatus.PARTIAL:
        draw.pieslice(xy, 90, 270, fill=TEXT)
        draw.ellipse(xy, outline=TEXT, width=stroke)
    elif status is DayStatus.MISSED:
        draw.ellipse(xy, outline=TEXT, width=stroke)
    elif status is DayStatus.SKIPPED:
        middle = box.top + box.height // 2
        draw.rectangle(
            (box.left, middle - stroke // 2, box.right - 1, middle + (stroke - 1) // 2), fill=TEXT
        )


def _draw_legend(
    draw: ImageDraw.ImageDraw, layout: CalendarLayout, present: set[DayStatus], lang: str
) -> None:
    font = _font(14, lang)
    x, y = _CAL_LEFT, layout.legend_top
    for status in legend_statuses(present):
        style = STATUS_STYLES[status]
        legend = _glyphs(t(lang, style.legend), lang)
        item_width = _LEGEND_SWATCH + 6 + round(draw.textlength(legend, font=font))
        if x > _CAL_LEFT and x + item_width > _CAL_RIGHT:
            x, y = _CAL_LEFT, y + _LEGEND_ROW
        draw.rounded_rectangle(
            (x, y, x + _LEGEND_SWATCH - 1, y + _LEGEND_SWATCH - 1),
            radius=4,
            fill=style.fill,
            outline=style.outline,
            width=2 if style.outline else 0,
        )
        _draw_marker(
            draw, status, Box(x + 4, y + 4, x + _LEGEND_SWATCH - 4, y + _LEGEND_SWATCH - 4)
        )
        draw.text(
            (x + _LEGEND_SWATCH + 6, y + _LEGEND_SWATCH // 2),
            legend,
            fill=TEXT,
            font=font,
            anchor="lm",
        )
        x += item_width + 16


def _craving_y(value: int) -> float:
    return _PLOT_BOTTOM - value / CRAVING_MAX * (_PLOT_BOTTOM - _PLOT_TOP)


def _draw_cravings(
    image: Image.Image,
    draw: ImageDraw.ImageDraw,
    points: list[CravingPoint],
    span: tuple[date, date] | None,
    *,
    had_any: bool,
    lang: str = "en",
) -> None:
    draw.text(
        (_PLOT_LEFT - 32, _PLOT_HEADING_TOP),
        _glyphs(t(lang, "Cravings (0 = none, 10 = strongest)"), lang),
        fill=TEXT,
        font=_font(16, lang),
    )
    if span is not None:
        start, end = span
        points = [p for p in points if start <= p.day <= end]
    if span is None or not points:
        _draw_note(draw, t(lang, NO_CHECKINS_HERE if had_any else NO_CHECKINS_YET), lang)
        return

    start, end = span
    slots = (end - start).days + 1
    slot_width = (_PLOT_RIGHT - _PLOT_LEFT) / slots

    margin = _DOT_RADIUS + 3
    region = Box(
        _PLOT_LEFT - margin, _PLOT_TOP - margin, _PLOT_RIGHT + margin, _PLOT_BOTTOM + margin
    )
    s = _SUPERSAMPLE
    layer = Image.new("RGB", (region.width * s, region.height * s), BACKGROUND)
    pen = ImageDraw.Draw(layer)
    for value in range(0, CRAVING_MAX + 1, 2):
        # Rows are whole pixels at both scales, so the halving keeps grid lines crisp.
        y = (round(_craving_y(value)) - region.top) * s
        pen.rectangle(
            ((_PLOT_LEFT - region.left) * s, y, (_PLOT_RIGHT - region.left) * s - 1, y + s - 1),
            fill=AXIS if value == 0 else GRID,
        )
    coords = [
        (
            (_PLOT_LEFT + ((p.day - start).days + 0.5) * slot_width - region.left) * s,
            (_craving_y(p.craving) - region.top) * s,
        )
        for p in points
    ]
    if len(coords) > 1:
        pen.line(coords, fill=CRAVING_LINE, width=_LINE_WIDTH * s, joint="curve")
    # Dense ranges get smaller dots so neighbouring days stay apart.
    r = (_DOT_RADIUS if slot_width >= 10 else 3) * s
    for dot_x, dot_y in coords:
        pen.ellipse(
            (dot_x - r, dot_y - r, dot_x + r, dot_y + r),
            fill=CRAVING_LINE,
            outline=BACKGROUND,
            width=s,
        )
    image.paste(
        layer.resize((region.width, region.height), Image.Resampling.BOX), (region.left, region.top)
    )

    tick_font = _font(13, lang)
    for value in range(0, CRAVING_MAX + 1, 2):
        draw.text(
            (_PLOT_LEFT - 10, round(_craving_y(value))),
            str(value),
            fill=TEXT_MUTED,
            font=tick_font,
            anchor="rm",
        )
    label_top = _PLOT_BOTTOM + 12
    first = _glyphs(short_date(start, lang), lang)
    draw.text((_PLOT_LEFT, label_top), first, fill=TEXT_MUTED, font=tick_font)
    if end != start:
        draw.text(
            (_PLOT_RIGHT, label_top),
            _glyphs(short_date(end, lang), lang),
            fill=TEXT_MUTED,
            font=tick_font,
            anchor="ra",
        )


def _draw_note(draw: ImageDraw.ImageDraw, note: str, lang: str) -> None:
    """A calm placeholder where the trend would be, rather than an empty set of axes."""
    box = Box(_PLOT_LEFT - 32, _PLOT_TOP, _PLOT_RIGHT, _PLOT_BOTTOM)
    draw.rounded_rectangle(
        (box.left, box.top, box.right - 1, box.bottom - 1), radius=12, fill=NOTE_BACKGROUND
    )
    x, y = box.centre
    draw.text((x, y - 14), _glyphs(note, lang), fill=TEXT, font=_font(20, lang), anchor="mm")
    draw.text(
        (x, y + 16),
        _glyphs(t(lang, "How you feel each day will show here."), lang),
        fill=TEXT_MUTED,
        font=_font(15, lang),
        anchor="mm",
    )
