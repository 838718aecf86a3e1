"""Every reminder as it goes out by SMS, numbered menu included, is one segment in English and in
Spanish (issue 16: "keep each reminder to one segment in both languages"), measured as carriers
bill it (bot/sms/segments.py); and what the SMS renderer does with the rest of the outbox.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain import reminders
from bot.domain.replies import Button, Reply
from bot.i18n import LANGUAGES
from bot.services.outbox import payload_for
from bot.sms.render import SmsText, sms_body, sms_text
from bot.sms.segments import measure

DUE = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
# The longest times and doses a reminder can carry: "23:59" and a three-digit dose.
TIMES = ("08:00", "23:59")
DOSES = (None, 50, 150)


def _every_reminder(lang: str) -> list[tuple[str, Reply]]:
    found: list[tuple[str, Reply]] = []
    for plain in (False, True):
        for local in TIMES:
            for mg in DOSES:
                found.append(
                    (
                        f"reminder plain={plain} {local} {mg}",
                        reminders.dose_reminder(1, DUE, local, mg, plain, 7, lang=lang),
                    )
                )
            found.append(
                (
                    f"nudge plain={plain} {local}",
                    reminders.dose_nudge(1, DUE, local, plain, 7, lang=lang),
                )
            )
        found.append(
            (f"injection day plain={plain}", reminders.injection_day(1, DUE, plain, 7, lang=lang))
        )
        found.append((f"injection eve plain={plain}", reminders.injection_eve(plain, lang=lang)))
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_reminder_by_sms_is_one_segment(lang: str) -> None:
    too_long = {}
    for name, reply in _every_reminder(lang):
        body = sms_body(payload_for(reply), lang)
        assert body is not None, name
        info = measure(body)
        if info.segments != 1:
            too_long[name] = info.explain()
    assert too_long == {}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_reminders_with_buttons_carry_their_numbered_menu(lang: str) -> None:
    for name, reply in _every_reminder(lang):
        body = sms_body(payload_for(reply), lang)
        assert body is not None
        if reply.buttons:
            menu = body.splitlines()[-1]
            assert menu.split()[1:2] == ["1"], name  # "Reply 1 ...", "Responda 1 ..."
            assert "Tap" not in body and "Toque" not in body and "⏰" not in body, name
        else:
            assert body == reply.text


def test_the_english_menu_says_what_each_number_does() -> None:
    reply = reminders.dose_reminder(1, DUE, "08:00", None, False, 7)
    assert sms_body(payload_for(reply), "en") == (
        "08:00: time for your routine.\nReply 1 taken, 2 snooze 30 min, 3 skip"
    )
    injection = reminders.injection_day(1, DUE, False, 7)
    assert sms_body(payload_for(injection), "en") == (
        "Did you make it to your appointment?\nReply 1 done, 2 not yet"
    )
    spanish = reminders.dose_reminder(1, DUE, "08:00", None, False, 7, lang="es")
    assert sms_body(payload_for(spanish), "es") == (
        "08:00: es hora de su rutina.\nResponda 1 tomada, 2 posponer 30 min, 3 omitir"
    )


def test_other_questions_get_numbered_answers_and_edits_have_no_text_form() -> None:
    # A question's buttons: numbered in order, labels without emoji, data kept for the digit.
    question = Reply(
        "How strong is your craving?",
        ((Button("😌 0", "c:1:0"), Button("5", "c:1:5")), (Button("10 🔥", "c:1:10"),)),
    )
    assert sms_text(payload_for(question), "en") == SmsText(
        "How strong is your craving?\nReply 1 0, 2 5, 3 10",
        (("1", "c:1:0"), ("2", "c:1:5"), ("3", "c:1:10")),
    )
    # A scale (every label a number in steps of one): the numbers themselves, 10 included.
    scale = Reply("Cravings?", (tuple(Button(str(n), f"c:1:{n}") for n in range(11)),))
    rendered_scale = sms_text(payload_for(scale), "en")
    assert rendered_scale is not None and rendered_scale.menu is not None
    assert rendered_scale.body == "Cravings?\nReply with a number from 0 to 10"
    assert rendered_scale.menu[10] == ("10", "c:1:10")
    assert sms_body(payload_for(question), "es") == (
        "How strong is your craving?\nResponda 1 0, 2 5, 3 10"
    )
    # A reminder's menu is its own short one, and a digit then answers the reminder: ().
    reply = reminders.dose_reminder(1, DUE, "08:00", None, plain=False)
    assert sms_text(payload_for(reply), "en") == SmsText(
        "08:00: time for your routine.\nReply 1 taken, 2 snooze 30 min, 3 skip", ()
    )
    # A snooze menu, a skip reason: a reminder's second-level buttons get numbered answers.
    snooze = sms_text(payload_for(Reply("Snooze", reminders.snooze_buttons(1, DUE, 7))), "en")
    assert snooze is not None and snooze.menu and len(snooze.menu) >= 2
    # Nine answers at most: a reply is one digit.
    many = Reply("Pick", tuple((Button(f"Option {n}", f"x:{n}"),) for n in range(12)))
    rendered = sms_text(payload_for(many), "en")
    assert rendered is not None and rendered.menu is not None and len(rendered.menu) == 9
    # An edit of a message Telegram delivered has no text form.
    assert sms_body({"text": "Taken", "edit_of": 12}, "en") is None
    # Plain text goes as it is and leaves the number's menu alone (None).
    assert sms_text(payload_for(Reply("See you Monday.")), "en") == SmsText("See you Monday.")


def test_a_payload_without_text_is_refused_like_telegrams() -> None:
    with pytest.raises(KeyError):
        sms_body({}, "en")
    with pytest.raises(TypeError):
        sms_body({"text": 5}, "en")
