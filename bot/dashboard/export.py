"""The patients table as CSV, safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) would be run as
a formula by Excel or LibreOffice, so such text gets a leading apostrophe. Numbers are written
as numbers and need no guard.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

from bot.dashboard.formatting import Times, plan_label, status_label
from bot.i18n import SN_, st
from bot.services.clinic_summary import PatientRow

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | bool | None

# The columns, in order: staff read these names in their spreadsheet, so they go through the
# staff catalog (English only for now). ``{zone}``: the staff member's time zone.
HEADERS = (
    SN_("code"),
    SN_("name"),
    SN_("status"),
    SN_("plan"),
    SN_("pdc_7d_percent"),
    SN_("days_covered_7d"),
    SN_("days_due_7d"),
    SN_("pdc_30d_percent"),
    SN_("days_covered_30d"),
    SN_("days_due_30d"),
    SN_("pdc_90d_percent"),
    SN_("current_streak_days"),
    SN_("missed_in_a_row"),
    SN_("on_time_30d_percent"),
    SN_("last_dose ({zone})"),
    SN_("last_check_in ({zone})"),
    SN_("check_in_rate_30d_percent"),
    SN_("latest_craving"),
    SN_("previous_craving"),
    SN_("open_alerts"),
    SN_("urgent_alerts"),
    SN_("next_injection"),
    SN_("injection_overdue"),
    SN_("needs_attention"),
    SN_("why"),
)


def guard(value: Cell) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return st("yes") if value else st("no")
    if isinstance(value, int | float):
        return value
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _ratio(value: float | None) -> int | str:
    return "" if value is None else round(value * 100)


def patients_csv(
    rows: Iterable[PatientRow], attention: Mapping[int, Sequence[str]], times: Times
) -> str:
    """``attention``: why each flagged patient needs a call today (the patients page's words)."""
    zone = times.zone.key
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([st(header, zone=zone) for header in HEADERS])
    for row in rows:
        cells: list[Cell] = [
            row.code,
            row.name,
            status_label(row.status),
            plan_label(row.plan_kind),
            row.pdc7.percent,
            row.pdc7.covered,
            row.pdc7.due,
            row.pdc30.percent,
            row.pdc30.covered,
            row.pdc30.due,
            row.pdc90.percent,
            row.current_streak,
            row.consecutive_misses,
            _ratio(row.on_time_rate),
            times.stamp(row.last_dose_at),
            times.stamp(row.last_check_in_at),
            _ratio(row.check_in_rate),
            row.latest_craving,
            row.previous_craving,
            row.open_alerts,
            row.urgent_alerts,
            row.next_injection.isoformat() if row.next_injection else None,
            row.injection_overdue,
            row.id in attention,
            "; ".join(attention.get(row.id, ())),
        ]
        writer.writerow([guard(cell) for cell in cells])
    return out.getvalue()
