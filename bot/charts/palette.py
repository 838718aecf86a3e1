"""One look for both renderers, so the Telegram picture and the dashboard agree.

Colours follow Okabe-Ito, which stays distinguishable with the common colour-vision deficiencies.
Missed days are amber rather than red on purpose: the chart should inform, not scold.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.charts.model import DayStatus
from bot.i18n import N_

BACKGROUND = "#FFFFFF"
TEXT = "#111827"
TEXT_MUTED = "#4B5563"
GRID = "#E5E7EB"
AXIS = "#9CA3AF"
CRAVING_LINE = "#0072B2"
NOTE_BACKGROUND = "#F3F4F6"


@dataclass(frozen=True)
class StatusStyle:
    fill: str
    outline: str | None
    # English catalog ids (N_): the renderers say them with t(lang, ...).
    legend: str  # short, for the legend row
    description: str  # a full phrase, for hover text and screen readers


STATUS_STYLES: dict[DayStatus, StatusStyle] = {
    DayStatus.TAKEN: StatusStyle("#009E73", None, N_("Taken"), N_("Taken")),
    DayStatus.PARTIAL: StatusStyle("#56B4E9", None, N_("Partly"), N_("Partly taken")),
    DayStatus.MISSED: StatusStyle("#E69F00", None, N_("Missed"), N_("Missed")),
    DayStatus.SKIPPED: StatusStyle("#CC79A7", None, N_("Skipped"), N_("Skipped on purpose")),
    DayStatus.NO_DOSE: StatusStyle("#E5E7EB", None, N_("No dose"), N_("No dose due")),
    DayStatus.PENDING: StatusStyle("#FFFFFF", "#6B7280", N_("Today"), N_("Today, still open")),
}

# Today only appears in the legend when the chart has a today cell, so it stays out of the
# everyday list.
LEGEND_ORDER: tuple[DayStatus, ...] = (
    DayStatus.TAKEN,
    DayStatus.PARTIAL,
    DayStatus.MISSED,
    DayStatus.SKIPPED,
    DayStatus.NO_DOSE,
)


def legend_statuses(present: set[DayStatus]) -> list[DayStatus]:
    """The statuses a legend lists for a chart that uses ``present``."""
    statuses = list(LEGEND_ORDER)
    if DayStatus.PENDING in present:
        statuses.append(DayStatus.PENDING)
    return statuses


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))
