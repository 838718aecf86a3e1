"""Inline SVG for the staff dashboard: a dose heatmap and a craving line, with no script.

Every string that can come from data goes through ``_text`` or ``_attr``, so a label cannot
become markup. The charts carry no ids, so several can share one page.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta

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
    CRAVING_LINE,
    GRID,
    LEGEND_ORDER,
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
    month_names,
    short_date,
    weekday_names,
)
from bot.i18n import nt, t

_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"

# Heatmap geometry, in viewBox units.
_CELL = 12
_STEP = 15
_CAL_LEFT = 30
_CAL_TOP = 18
_LEGEND_GAP = 12
_CAL_FONT = 10
# Month labels need about this many columns of room before the next one.
_MONTH_LABEL_COLUMNS = 3

# Craving chart geometry.
_TREND_WIDTH = 640
_TREND_HEIGHT = 240
_PLOT_LEFT = 34
_PLOT_RIGHT = 626
_PLOT_TOP = 14
_PLOT_BOTTOM = 208
_TREND_FONT = 11


def _text(value: str) -> str:
    return html.escape(clean_text(value), quote=False)


def _attr(value: str) -> str:
    return html.escape(clean_text(value), quote=True)


def _num(value: float) -> str:
    """A coordinate with at most two decimals, spelled the same way on every run."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _open_svg(width: float, height: float, label: str, css_class: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_num(width)} {_num(height)}"'
        f' width="100%" role="img" aria-label="{_attr(label)}" class="chart {css_class}"'
        f' font-family="{_FONT}">',
        f"<title>{_text(label)}</title>",
    ]


def _empty_svg(label: str, message: str, css_class: str) -> str:
    parts = _open_svg(320, 60, f"{label}: {message}", css_class)
    parts.append(
        f'<text x="160" y="34" text-anchor="middle" font-size="14" fill="{TEXT_MUTED}">'
        f"{_text(message)}</text>"
    )
    parts.append("</svg>")
    return "\n".join(parts)


def _summary(cells: list[DayCell], lang: str) -> str:
    counts = Counter(cell.status for cell in cells)
    statuses = [*LEGEND_ORDER, DayStatus.PENDING]
    pieces = [
        f"{counts[s]} {t(lang, STATUS_STYLES[s].legend).lower()}" for s in statuses if counts[s]
    ]
    return nt(
        lang,
        "{span}, {n} day: {counts}",
        "{span}, {n} days: {counts}",
        len(cells),
        span=date_range(cells[0].day, cells[-1].day, lang),
        counts=", ".join(pieces),
    )


def _legend_item_width(legend: str) -> float:
    # Browsers pick the font, so this is an estimate of the label that errs wide.
    return _CELL + 4 + len(legend) * _CAL_FONT * 0.62 + 10


def calendar_svg(days: Sequence[DayCell], *, label: str | None = None, lang: str = "en") -> str:
    """A heatmap like GitHub's: one column per week, Monday at the top, one square per day."""
    if label is None:
        label = t(lang, "Dose calendar")
    cells = normalize_days(days)
    if not cells:
        return _empty_svg(label, t(lang, "No dose days yet"), "chart-calendar")

    first_monday = cells[0].day - timedelta(days=cells[0].day.weekday())
    columns = (cells[-1].day - first_monday).days // 7 + 1
    statuses = legend_statuses({cell.status for cell in cells})
    legends = {status: t(lang, STATUS_STYLES[status].legend) for status in statuses}
    weekdays = weekday_names(lang)
    grid_width = _CAL_LEFT + columns * _STEP - (_STEP - _CELL)
    width = max(grid_width, _CAL_LEFT + sum(_legend_item_width(s) for s in legends.values())) + 2
    legend_top = _CAL_TOP + 7 * _STEP - (_STEP - _CELL) + _LEGEND_GAP
    height = legend_top + _CELL + 4

    summary = _summary(cells, lang)
    parts = _open_svg(width, height, f"{label}. {summary}", "chart-calendar")
    parts.append(f"<desc>{_text(summary)}</desc>")

    parts.append(f'<g font-size="{_CAL_FONT}" fill="{TEXT_MUTED}" aria-hidden="true">')
    for row in (0, 2, 4):
        y = _CAL_TOP + row * _STEP + _CELL - 2
        parts.append(
            f'<text x="{_CAL_LEFT - 4}" y="{y}" text-anchor="end">{_text(weekdays[row])}</text>'
        )
    for column, month in _month_labels(cells, first_monday, lang):
        parts.append(
            f'<text x="{_CAL_LEFT + column * _STEP}" y="{_CAL_TOP - 6}">{_text(month)}</text>'
        )
    parts.append("</g>")

    parts.append('<g class="cells">')
    for cell in cells:
        offset = (cell.day - first_monday).days
        x = _CAL_LEFT + (offset // 7) * _STEP
        y = _CAL_TOP + (offset % 7) * _STEP
        style = STATUS_STYLES[cell.status]
        stroke = f' stroke="{style.outline}" stroke-width="1.5"' if style.outline else ""
        tip = (
            f"{cell.day.isoformat()} ({weekdays[cell.day.weekday()]}): {t(lang, style.description)}"
        )
        parts.append(
            f'<rect x="{x}" y="{y}" width="{_CELL}" height="{_CELL}" rx="2"'
            f' fill="{style.fill}"{stroke} data-date="{cell.day.isoformat()}"'
            f' data-status="{cell.status.value}"><title>{_text(tip)}</title></rect>'
        )
    parts.append("</g>")

    parts.append(f'<g class="legend" font-size="{_CAL_FONT}" fill="{TEXT}" aria-hidden="true">')
    legend_x = float(_CAL_LEFT)
    for status in statuses:
        style = STATUS_STYLES[status]
        stroke = f' stroke="{style.outline}" stroke-width="1.5"' if style.outline else ""
        parts.append(
            f'<rect x="{_num(legend_x)}" y="{legend_top}" width="{_CELL}" height="{_CELL}" rx="2"'
            f' fill="{style.fill}"{stroke}/>'
        )
        parts.append(
            f'<text x="{_num(legend_x + _CELL + 4)}" y="{legend_top + _CELL - 2}">'
            f"{_text(legends[status])}</text>"
        )
        legend_x += _legend_item_width(legends[status])
    parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts)


def _month_labels(cells: list[DayCell], first_monday: date, lang: str) -> list[tuple[int, str]]:
    """Month names over the weeks where a month begins, skipping any that would collide."""
    candidates = [(0, cells[0].day)]
    candidates += [
        ((cell.day - first_monday).days // 7, cell.day) for cell in cells[1:] if cell.day.day == 1
    ]
    # The first column is named only as context, so it gives way to a real month start nearby.
    if len(candidates) > 1 and candidates[1][0] - candidates[0][0] < _MONTH_LABEL_COLUMNS:
        candidates.pop(0)
    labels: list[tuple[int, str]] = []
    for column, day in candidates:
        if labels and column - labels[-1][0] < _MONTH_LABEL_COLUMNS:
            continue
        labels.append((column, month_names(lang)[day.month - 1]))
    return labels


def craving_svg(
    points: Sequence[CravingPoint],
    *,
    label: str | None = None,
    start: date | None = None,
    end: date | None = None,
    lang: str = "en",
) -> str:
    """A 0-10 line over ``start``..``end``, one dot per check-in; points outside are left out."""
    if label is None:
        label = t(lang, "Craving trend")
    cleaned = normalize_cravings(points)
    if start is not None and end is not None and start > end:
        raise ValueError(f"start {start} is after end {end}")
    first = start if start is not None else (cleaned[0].day if cleaned else None)
    last = end if end is not None else (cleaned[-1].day if cleaned else None)
    if first is not None and last is not None:
        cleaned = [p for p in cleaned if first <= p.day <= last]
    if first is None or last is None or not cleaned or first > last:
        message = t(lang, NO_CHECKINS_HERE if points else NO_CHECKINS_YET)
        return _empty_svg(label, message, "chart-craving")

    slots = (last - first).days + 1
    slot_width = (_PLOT_RIGHT - _PLOT_LEFT) / slots

    def x_of(day: date) -> float:
        # Each day owns a slot and its dot sits in the middle, so one day is centred, not cornered.
        return _PLOT_LEFT + ((day - first).days + 0.5) * slot_width

    def y_of(value: int) -> float:
        return _PLOT_BOTTOM - value / CRAVING_MAX * (_PLOT_BOTTOM - _PLOT_TOP)

    values = [p.craving for p in cleaned]
    summary = nt(
        lang,
        "{span}, {n} check-in, craving from {low} to {high} out of {top}, latest {latest}",
        "{span}, {n} check-ins, craving from {low} to {high} out of {top}, latest {latest}",
        len(cleaned),
        span=date_range(first, last, lang),
        low=min(values),
        high=max(values),
        top=CRAVING_MAX,
        latest=values[-1],
    )
    parts = _open_svg(_TREND_WIDTH, _TREND_HEIGHT, f"{label}. {summary}", "chart-craving")
    parts.append(f"<desc>{_text(summary)}</desc>")

    parts.append(
        f'<g class="axes" font-size="{_TREND_FONT}" fill="{TEXT_MUTED}" aria-hidden="true">'
    )
    for value in range(0, CRAVING_MAX + 1, 2):
        grid_y = _num(y_of(value))
        colour = AXIS if value == 0 else GRID
        parts.append(
            f'<line x1="{_PLOT_LEFT}" y1="{grid_y}" x2="{_PLOT_RIGHT}" y2="{grid_y}"'
            f' stroke="{colour}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{_PLOT_LEFT - 6}" y="{grid_y}" text-anchor="end" dominant-baseline="middle">'
            f"{value}</text>"
        )
    label_y = _PLOT_BOTTOM + 18
    parts.append(f'<text x="{_PLOT_LEFT}" y="{label_y}">{short_date(first, lang)}</text>')
    if last != first:
        parts.append(
            f'<text x="{_PLOT_RIGHT}" y="{label_y}" text-anchor="end">'
            f"{short_date(last, lang)}</text>"
        )
    # Month starts in between, where they leave room for the end labels (room enough for the
    # larger labels the dashboard's stylesheet asks for on a phone, where the chart shrinks).
    edge_room = 80
    day = first + timedelta(days=1)
    while day < last:
        if day.day == 1:
            tick_x = x_of(day)
            if _PLOT_LEFT + edge_room < tick_x < _PLOT_RIGHT - edge_room:
                parts.append(
                    f'<text x="{_num(tick_x)}" y="{label_y}" text-anchor="middle">'
                    f"{short_date(day, lang)}</text>"
                )
        day += timedelta(days=1)
    parts.append("</g>")

    coords = [(x_of(p.day), y_of(p.craving)) for p in cleaned]
    if len(coords) > 1:
        joined = " ".join(f"{_num(x)},{_num(y)}" for x, y in coords)
        parts.append(
            f'<polyline class="trend" points="{joined}" fill="none" stroke="{CRAVING_LINE}"'
            ' stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round"/>'
        )
    parts.append(f'<g class="points" fill="{CRAVING_LINE}" stroke="#FFFFFF" stroke-width="1.5">')
    for point, (x, y) in zip(cleaned, coords, strict=True):
        tip = t(
            lang,
            "{day}: craving {value} of {top}",
            day=point.day.isoformat(),
            value=point.craving,
            top=CRAVING_MAX,
        )
        parts.append(
            f'<circle cx="{_num(x)}" cy="{_num(y)}" r="4" data-date="{point.day.isoformat()}"'
            f' data-craving="{point.craving}"><title>{_text(tip)}</title></circle>'
        )
    parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts)
