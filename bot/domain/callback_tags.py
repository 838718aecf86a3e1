"""A short tag in button data that says which row the button was made for.

A button names a row by its id (``a:<alert id>:res``). An id that comes to name a different row
(SQLite reused the highest id after a patient's erasure until migration 0010; an id erased just
before that upgrade, or a database restored from a backup, can still come round once) would let
an old card act on someone else's record. So buttons carry ``<data>~<tag>``, where the tag is a
few base64url characters of a hash over the kind of row, its id and the id of the patient the row
belongs to, and a tap acts only when the tag still matches the row its id names now.

Why the patient's id: patient ids are never reused (AUTOINCREMENT since migration 0007, a
sequence on Postgres), and every row a button names (an alert, a schedule's dose, a check-in, a
support link) is deleted only together with its patient, by erasure. So (row id, patient id)
names one row for all time, and a reused id names a row of a different patient record: a
mismatch. It is also known at every place a button is made, including the tick that writes
reminders in bulk without loading rows.

Why a plain hash and not an HMAC keyed by SECRET_KEY: the tag is not what authorises a tap. The
checks that were there before still decide that (the tapping chat must own the dose, check-in
or link; staff must belong to the alert's clinic). The tag only detects that an id changed
meaning, and a key adds nothing to that, while it would have to be threaded into pure builders
and the bulk tick. Six characters (36 bits) make an accidental match of a stale card about one in
68 billion.

Cards sent before tags existed carry untagged data (no ``~``). How each kind treats them:

- Staff alert cards are refused with the out-of-date notice. A staff member acts on other
  people's records, which is exactly what a reused id broke, and a fresh, tagged card is one
  ``/alerts`` away.
- A patient's own buttons (dose, check-in, support) are accepted under the old rules: the
  tapping chat must own the row through its current patient record, which is never someone
  else's because patient ids are never reused. Refusing them would lose this morning's "Taken"
  at the upgrade.

Safety checks (``sc:``) and patient buttons under ``/summary`` (``pt:``) carry no tag: the
safety_checks table was AUTOINCREMENT from its start (0008) and patients since 0007, so those ids
do not come round.

Pure: no I/O.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from enum import StrEnum

SEPARATOR = "~"
TAG_LENGTH = 6
# Telegram refuses a button whose callback_data is longer than this, in bytes.
MAX_CALLBACK_BYTES = 64


class Kind(StrEnum):
    ALERT = "alert"
    DOSE = "dose"  # the row id is the schedule's: a dose is named by (schedule, due instant)
    CHECK_IN = "check_in"
    SUPPORT = "support"


def tag(kind: Kind, row_id: int, patient_id: int) -> str:
    """The tag for the row ``row_id`` of ``kind`` that belongs to ``patient_id``."""
    digest = hashlib.sha256(f"{kind.value}:{row_id}:{patient_id}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:TAG_LENGTH]


def stamp(data: str, kind: Kind, row_id: int, patient_id: int | None) -> str:
    """``data`` with the row's tag appended; untagged when there is no patient to bind to."""
    if patient_id is None:
        return data
    return f"{data}{SEPARATOR}{tag(kind, row_id, patient_id)}"


def split(data: str) -> tuple[str, str | None]:
    """The data a parser reads, and the tag (None for a card from before tags)."""
    body, separator, found = data.rpartition(SEPARATOR)
    if not separator:
        return data, None
    return body, found


def matches(found: str | None, kind: Kind, row_id: int, patient_id: int | None) -> bool:
    """Whether a tapped tag still names this row. An untagged tap never matches."""
    if found is None or patient_id is None:
        return False
    return hmac.compare_digest(found.encode(), tag(kind, row_id, patient_id).encode())
