"""Charts of dose days and cravings: plain data in, PNG bytes or SVG text out."""

from bot.charts.model import CravingPoint, DayCell, DayStatus
from bot.charts.palette import STATUS_STYLES
from bot.charts.png import HEIGHT, WIDTH, Box, CalendarLayout, calendar_layout, progress_png
from bot.charts.svg import calendar_svg, craving_svg

__all__ = [
    "HEIGHT",
    "STATUS_STYLES",
    "WIDTH",
    "Box",
    "CalendarLayout",
    "CravingPoint",
    "DayCell",
    "DayStatus",
    "calendar_layout",
    "calendar_svg",
    "craving_svg",
    "progress_png",
]
