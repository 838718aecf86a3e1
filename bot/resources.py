"""Where the top-level ``migrations/`` and ``content/`` folders are, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    # A wheel carries them inside the package (see pyproject's force-include); a checkout or an
    # editable install has them beside the package.
    packaged = _PACKAGE / "_resources" / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent / name
