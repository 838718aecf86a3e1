"""Short codes people read and type: clinic invites and the patient codes staff use."""

from __future__ import annotations

import secrets

# No 0/O or 1/I/L: codes get read aloud and typed from paper.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PATIENT_CODE_LENGTH = 6


def new_code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_patient_code() -> str:
    return new_code(PATIENT_CODE_LENGTH)
