"""What SMS says before enrolment, measured as carriers bill it (issue 16, step 3).

HELP must fit two segments and START's confirmation one, in both languages. In Spanish one á,
í, ó or ú makes a text UCS-2, where a segment holds 70 characters instead of 160, so the
failure message names the letter that did it.
"""

from __future__ import annotations

import pytest

from bot.i18n import LANGUAGES, t
from bot.services import sms_inbound, sms_invites
from bot.sms.segments import measure

# A clinic name of ordinary length; one with an accent (Clínica) makes any text UCS-2.
CLINIC = "Northside Recovery Clinic"


def _fits(text: str, most: int) -> None:
    info = measure(text)
    assert info.segments <= most, f"{info.segments} segments ({info.explain()}): {text!r}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_help_fits_two_segments(lang: str) -> None:
    _fits(t(lang, sms_inbound.HELP), 2)
    _fits(t(lang, sms_inbound.HELP_FOR_CLINIC, clinic=CLINIC), 2)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_start_confirmation_fits_one_segment(lang: str) -> None:
    _fits(t(lang, sms_inbound.OPTED_IN), 1)


def test_english_help_fits_one_segment() -> None:
    _fits(t("en", sms_inbound.HELP), 1)
    _fits(t("en", sms_inbound.HELP_FOR_CLINIC, clinic=CLINIC), 1)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_help_says_how_to_stop_and_988(lang: str) -> None:
    stop = {"en": "Reply STOP to stop", "es": "Responda PARAR para dejar de recibir mensajes"}
    for text in (
        t(lang, sms_inbound.HELP),
        t(lang, sms_inbound.HELP_FOR_CLINIC, clinic=CLINIC),
    ):
        assert stop[lang] in text and "988" in text and "911" in text
    assert CLINIC in t(lang, sms_inbound.HELP_FOR_CLINIC, clinic=CLINIC)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_text_for_someone_not_enrolled_names_988(lang: str) -> None:
    for text in (sms_inbound.NO_OPEN_QUESTION, sms_inbound.INVITATION):
        assert "988" in t(lang, text)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_how_to_stop_fits_one_segment(lang: str) -> None:
    _fits(t(lang, sms_inbound.HOW_TO_STOP), 1)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_enrolment_texts_stay_short(lang: str) -> None:
    # The invitation is the consent request: clinic, what is sent, rates, STOP and HELP.
    invitation = t(lang, sms_invites.INVITATION, clinic=CLINIC)
    _fits(invitation, 2)
    words = {"en": ("YES", "STOP", "HELP", "rates"), "es": ("SI", "PARAR", "AYUDA", "tarifas")}
    assert CLINIC in invitation and all(word in invitation for word in words[lang])
    _fits(t(lang, sms_inbound.REPLY_YES, clinic=CLINIC), 1)
    _fits(t(lang, sms_inbound.DECLINED), 1)
    _fits(t(lang, sms_inbound.PICK_A_NUMBER, first="1", last="5"), 1)
