"""The patient in control of their data, end to end on both databases: consent asked again when
its text changes, /stop and coming back, /mydata, and /delete leaving nothing behind."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import JSON, String, Text, func, select

from bot.db.models import AuditEntry, Base, ConsentRecord, DoseEvent, Patient
from bot.services.patient_data import ABOUT, NOT_ABOUT_PATIENTS, unmapped_tables
from tests.e2e.care import Clinic, at, clock, drained, eventually, say, tap_and_wait_edit
from tests.e2e.conftest import LiveBot

PAT, NURSE, FRIEND = 6801, 7801, 6802
FIRST_DOSE = at(2026, 11, 26, 14, 0)  # Thu 08:00 in Chicago


async def busy_patient(bot: LiveBot) -> tuple[Clinic, int]:
    """A patient with a bit of everything: doses, a check-in with a note, an alert, a support
    person, a question, a conversation, and staff who looked at their record."""
    clinic = await Clinic.make(bot)
    await clinic.staff(NURSE, "Sam Rivera")
    patient_id, _ = await clinic.patient(PAT, "Robin Quill")
    bot.api.set_user(PAT, {"first_name": "Robin", "last_name": "Quill"})
    mark = bot.api.mark(PAT)
    clock(bot).set(FIRST_DOSE + timedelta(seconds=1))
    [reminder] = await bot.api.wait_for_new(PAT, mark, count=1)
    await tap_and_wait_edit(bot, PAT, "✅ Taken", reminder)
    [question] = await say(bot, PAT, "/checkin")
    for label in ("9", "🙁 Low"):
        await tap_and_wait_edit(bot, PAT, label, question)
    mark = bot.api.mark(PAT)
    await tap_and_wait_edit(bot, PAT, "No", question)
    # A craving of 9 brings coping prompts in a message of their own, which can land after the
    # edit; wait for it, or it would be taken for the reply to the note.
    [coping] = await bot.api.wait_for_new(PAT, mark, count=1)
    assert "Cravings rise and fall" in (coping.plain_text or "")
    await say(bot, PAT, "rough week at work")  # the check-in's note
    await say(bot, PAT, "can I drink alcohol on naltrexone?")
    bot.api.set_user(FRIEND, {"first_name": "Jamie"})
    [invite] = await say(bot, PAT, "/support")
    payload = (invite.plain_text or "").split("start=")[1].split()[0]
    mark = bot.api.mark(PAT)
    await say(bot, FRIEND, f"/start {payload}")
    [confirm] = await bot.api.wait_for_new(PAT, mark, count=1)
    await bot.api.tap(PAT, "Yes, confirm", confirm)
    await say(bot, NURSE, "/patient Robin")
    await drained(bot)
    return clinic, patient_id


def _texts_in(row: Any) -> str:
    return json.dumps([str(v) for v in row], ensure_ascii=False)


async def rows_mentioning(bot: LiveBot, patient_id: int, needles: list[str]) -> list[str]:
    """Every row of every table that refers to the patient by id or names them in any text."""
    found = []
    async with bot.ctx.sessions() as session:
        for name, table in Base.metadata.tables.items():
            for row in (await session.execute(select(table))).all():
                mapping = row._mapping
                if mapping.get("patient_id") == patient_id or (
                    name == "patients" and mapping.get("id") == patient_id
                ):
                    found.append(f"{name}: refers to the patient")
                    continue
                text_columns = [
                    c.name
                    for c in table.columns
                    if isinstance(c.type, String | Text | JSON)
                    or c.name in ("chat_id", "supporter_chat_id", "actor_id")
                ]
                blob = _texts_in(mapping[c] for c in text_columns)
                for needle in needles:
                    if needle in blob:
                        found.append(f"{name}: contains {needle!r}")
    return found


async def test_mydata_holds_every_row_about_the_patient(live_bot: LiveBot) -> None:
    _, patient_id = await busy_patient(live_bot)
    assert unmapped_tables() == [], "a table the export and erasure don't know about"
    [document] = await say(live_bot, PAT, "/mydata")
    assert document.kind == "document" and (document.filename or "").endswith(".json")
    exported = json.loads(document.file_bytes or b"{}")
    assert exported["profile"]["display_name"] == "Robin Quill"
    assert [c["note"] for c in exported["check_ins"]] == ["rough week at work"]
    assert exported["check_ins"][0]["craving"] == 9
    assert [a["kind"] for a in exported["alerts_about_you"]] == ["high_craving"]
    assert [s["supporter_name"] for s in exported["support_people"]] == ["Jamie"]
    assert "token" not in exported["support_people"][0]
    # Other people's Telegram ids are theirs: the export says who a message went to instead.
    blob = json.dumps(exported)
    assert str(NURSE) not in blob and str(FRIEND) not in blob
    assert {m["to"] for m in exported["messages"]} >= {"you", "your care team"}
    viewers = [e for e in exported["record_views_and_changes"] if e["actor_kind"] == "staff"]
    assert any(
        e["staff_name"] == "Sam Rivera" and e["action"] == "telegram.patient" for e in viewers
    )
    # Every table's rows about them are in it: the same count, table by table.
    ref = live_bot.ctx.patient_ref(patient_id)
    async with live_bot.ctx.sessions() as session:
        patient = await session.get(Patient, patient_id)
        assert patient is not None
        for part in ABOUT:
            count = await session.scalar(
                select(func.count()).select_from(part.table).where(part.where(patient, ref))
            )
            got = exported[part.name]
            size = (1 if got else 0) if isinstance(got, dict) else len(got)
            if part.name == "record_views_and_changes":
                assert size <= int(count or 0)  # the export itself is audited after reading
            else:
                assert size == count, part.name
    assert set(NOT_ABOUT_PATIENTS) <= set(Base.metadata.tables)


async def test_delete_needs_the_typed_word_and_then_leaves_nothing(live_bot: LiveBot) -> None:
    _, patient_id = await busy_patient(live_bot)
    async with live_bot.ctx.sessions() as session:
        patient = await session.get(Patient, patient_id)
        assert patient is not None
        code = patient.code
    [question] = await say(live_bot, PAT, "/delete")
    assert "type DELETE" in (question.plain_text or "") and not question.buttons
    [kept] = await say(live_bot, PAT, "yes please")
    assert "nothing was deleted" in (kept.plain_text or "")
    assert (await rows_mentioning(live_bot, patient_id, ["Robin"])) != []

    await say(live_bot, PAT, "/delete")
    [done] = await say(live_bot, PAT, "delete")
    assert "has been erased" in (done.plain_text or "")
    await drained(live_bot)
    needles = ["Robin", "Quill", str(PAT), code, "rough week"]
    assert await rows_mentioning(live_bot, patient_id, needles) == []
    async with live_bot.ctx.sessions() as session:
        entries = list(await session.scalars(select(AuditEntry)))
    ref = live_bot.ctx.patient_ref(patient_id)
    assert any(e.action == "patient.erased" and e.subject == ref for e in entries)
    # Staff hear that someone left, with no detail; the support person that the link ended.
    nurse = [m.plain_text or "" for m in live_bot.api.sent(NURSE)]
    assert any("a patient has left" in t for t in nurse)
    assert all("Robin" not in t for t in nurse if "has left" in t)
    friend = [m.plain_text or "" for m in live_bot.api.sent(FRIEND)]
    assert any("has ended the link" in t and "Robin" not in t for t in friend)
    # Writing again starts fresh, as someone without an invite.
    [fresh] = await say(live_bot, PAT, "hello?")
    assert "invite link" in (fresh.plain_text or "")
    [nothing] = await say(live_bot, PAT, "/mydata")
    assert "don't have anything stored" in (nothing.plain_text or "")


async def test_stop_is_confirmed_shown_to_staff_and_start_comes_back(live_bot: LiveBot) -> None:
    clinic = await Clinic.make(live_bot)
    await clinic.staff(NURSE, "Sam Rivera")
    await clinic.patient(PAT, "Pat Doe")
    [question] = await say(live_bot, PAT, "/stop")
    assert question.buttons == [["Yes, stop everything", "No, keep them"]]
    await tap_and_wait_edit(live_bot, PAT, "No, keep them", question)
    [question] = await say(live_bot, PAT, "/stop")
    mark = live_bot.api.mark(PAT)
    await tap_and_wait_edit(live_bot, PAT, "Yes, stop everything", question)
    [confirmed] = await live_bot.api.wait_for_new(PAT, mark, count=1)
    assert "won't send you anything more" in (confirmed.plain_text or "")
    # The last thing the bot says, to someone who may be stopping naltrexone too.
    assert "could cause an overdose" in (confirmed.plain_text or "")
    await eventually(
        lambda: any("used /stop" in (m.plain_text or "") for m in live_bot.api.sent(NURSE)),
        "the staff note",
    )
    before = len(live_bot.api.sent(PAT))
    clock(live_bot).set(FIRST_DOSE + timedelta(seconds=1))
    await drained(live_bot)
    assert len(live_bot.api.sent(PAT)) == before  # no reminder while stopped
    [back] = await say(live_bot, PAT, "/start")
    assert "Welcome back" in (back.plain_text or "")
    mark = live_bot.api.mark(PAT)
    clock(live_bot).set(FIRST_DOSE + timedelta(days=1, seconds=1))
    [reminder] = await live_bot.api.wait_for_new(PAT, mark, count=1)
    assert reminder.buttons  # reminders are back


async def test_pause_and_resume_are_shown_to_staff(live_bot: LiveBot) -> None:
    clinic = await Clinic.make(live_bot)
    await clinic.staff(NURSE, "Sam Rivera")
    await clinic.patient(PAT, "Pat Doe")
    await say(live_bot, PAT, "/pause")
    [paused] = await say(live_bot, PAT, "1 week")
    assert "paused until" in (paused.plain_text or "")
    await say(live_bot, PAT, "/resume")
    await drained(live_bot)
    notes = [m.plain_text or "" for m in live_bot.api.sent(NURSE)]
    assert any("Pat Doe paused reminders until" in t for t in notes)
    assert any("Pat Doe turned reminders back on" in t for t in notes)


async def test_a_changed_consent_is_asked_again_before_anything_else(live_bot: LiveBot) -> None:
    clinic = await Clinic.make(live_bot)
    await clinic.staff(NURSE, "Sam Rivera")
    patient_id, _ = await clinic.patient(PAT, "Pat Doe", consent_version="2025-01-v0")
    # The consent job asks once; reminders wait.
    from bot.services.consent import ask_again

    assert await ask_again(live_bot.ctx) == 1
    await drained(live_bot)
    [prompt] = live_bot.api.sent(PAT)
    assert "I've updated what I keep" in (prompt.plain_text or "")
    clock(live_bot).set(FIRST_DOSE + timedelta(seconds=1))
    await drained(live_bot)
    assert len(live_bot.api.sent(PAT)) == 1  # no reminder before they answer
    async with live_bot.ctx.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(DoseEvent)) == 0
    [again] = await say(live_bot, PAT, "/schedule")  # anything else: the consent first
    assert "I've updated what I keep" in (again.plain_text or "")
    mark = live_bot.api.mark(PAT)
    await live_bot.api.tap(PAT, "I agree", again)
    [thanks] = await live_bot.api.wait_for_new(PAT, mark, count=1)
    assert "reminders are back on" in (thanks.plain_text or "")
    async with live_bot.ctx.sessions() as session:
        patient = await session.get(Patient, patient_id)
        records = list(await session.scalars(select(ConsentRecord.version)))
    assert patient is not None and patient.consent_version == live_bot.ctx.consent.version
    assert live_bot.ctx.consent.version in records
    mark = live_bot.api.mark(PAT)
    clock(live_bot).set(FIRST_DOSE + timedelta(days=1, seconds=1))
    [reminder] = await live_bot.api.wait_for_new(PAT, mark, count=1)
    assert reminder.buttons


async def test_declining_a_changed_consent_stops_messages_and_keeps_history(
    live_bot: LiveBot,
) -> None:
    clinic = await Clinic.make(live_bot)
    await clinic.staff(NURSE, "Sam Rivera")
    patient_id, _ = await clinic.patient(PAT, "Pat Doe", consent_version="2025-01-v0")
    [prompt] = await say(live_bot, PAT, "hello")
    mark = live_bot.api.mark(PAT)
    await live_bot.api.tap(PAT, "No thanks", prompt)
    [stopped] = await live_bot.api.wait_for_new(PAT, mark, count=1)
    assert "stopped all messages" in (stopped.plain_text or "")
    async with live_bot.ctx.sessions() as session:
        patient = await session.get(Patient, patient_id)
        decisions = list(await session.scalars(select(ConsentRecord.decision)))
    assert patient is not None and patient.status == "stopped"
    assert "declined" in decisions
    clock(live_bot).set(FIRST_DOSE + timedelta(seconds=1))
    await drained(live_bot)
    assert len(live_bot.api.sent(PAT)) == 2  # the prompt and the answer: nothing more


async def test_a_patient_who_supports_someone_is_erased_from_that_link_too(
    live_bot: LiveBot,
) -> None:
    clinic = await Clinic.make(live_bot)
    other_id, _ = await clinic.patient(FRIEND, "Jamie Other")
    patient_id, _ = await clinic.patient(PAT, "Robin Quill")
    live_bot.api.set_user(PAT, {"first_name": "Robin", "last_name": "Quill"})
    [invite] = await say(live_bot, FRIEND, "/support")
    payload = (invite.plain_text or "").split("start=")[1].split()[0]
    mark = live_bot.api.mark(FRIEND)
    await say(live_bot, PAT, f"/start {payload}")  # Robin becomes Jamie's support person
    [confirm] = await live_bot.api.wait_for_new(FRIEND, mark, count=1)
    await live_bot.api.tap(FRIEND, "Yes, confirm", confirm)
    await drained(live_bot)
    await say(live_bot, PAT, "/delete")
    mark = live_bot.api.mark(FRIEND)
    await say(live_bot, PAT, "DELETE")
    [told] = await live_bot.api.wait_for_new(FRIEND, mark, count=1)
    assert "support person has stepped back" in (told.plain_text or "")
    assert "Robin" not in (told.plain_text or "")
    assert await rows_mentioning(live_bot, patient_id, ["Robin", "Quill", str(PAT)]) == []
    assert other_id != patient_id


# In Spanish ------------------------------------------------------------------------------------


async def test_stop_in_spanish_carries_the_overdose_warning(live_bot: LiveBot) -> None:
    clinic = await Clinic.make(live_bot)
    await clinic.staff(NURSE, "Sam Rivera")
    await clinic.patient(PAT, "Pat Doe", language="es")
    [question] = await say(live_bot, PAT, "/stop")
    [[yes, no]] = question.buttons
    assert "Sí" in yes and "No" in no
    mark = live_bot.api.mark(PAT)
    await tap_and_wait_edit(live_bot, PAT, yes, question)
    [confirmed] = await live_bot.api.wait_for_new(PAT, mark, count=1)
    text = confirmed.plain_text or ""
    # As strong as the English: the block wears off, tolerance is lower, an overdose can kill.
    assert "sobredosis" in text and "naloxona" in text and "911" in text and "988" in text
    assert "overdose" not in text and "won't send" not in text
    # Staff read their own language.
    await eventually(
        lambda: any("used /stop" in (m.plain_text or "") for m in live_bot.api.sent(NURSE)),
        "the staff note",
    )


async def test_mydata_in_spanish_keeps_its_keys_and_translates_its_words(
    live_bot: LiveBot,
) -> None:
    clinic = await Clinic.make(live_bot)
    await clinic.staff(NURSE, "Sam Rivera")
    await clinic.patient(PAT, "Pat Doe", language="es")
    await say(live_bot, PAT, "/pause")
    await say(live_bot, PAT, "una semana")  # the care team is told, through the outbox
    await drained(live_bot)
    [document] = await say(live_bot, PAT, "/mydata")
    exported = json.loads(document.file_bytes or b"{}")
    assert {"profile", "doses", "check_ins", "messages"} <= set(exported)
    assert exported["profile"]["language"] == "es"
    assert exported["about"] == "Todo lo que este bot guarda sobre usted. Las horas están en UTC."
    assert {m["to"] for m in exported["messages"]} == {"su equipo de atención"}  # the staff note


async def test_delete_in_spanish_takes_borrar(live_bot: LiveBot) -> None:
    clinic = await Clinic.make(live_bot)
    patient_id, _ = await clinic.patient(PAT, "Robin Quill", language="es")
    [question] = await say(live_bot, PAT, "/delete")
    assert "BORRAR" in (question.plain_text or "")
    [kept] = await say(live_bot, PAT, "sí, por favor")
    assert "nothing" not in (kept.plain_text or "")
    assert await rows_mentioning(live_bot, patient_id, ["Robin"]) != []
    await say(live_bot, PAT, "/delete")
    [done] = await say(live_bot, PAT, "borrar")
    assert "has been erased" not in (done.plain_text or "")
    await drained(live_bot)
    assert await rows_mentioning(live_bot, patient_id, ["Robin", "Quill", str(PAT)]) == []


async def test_a_spanish_support_person_hears_in_spanish_that_the_link_ended(
    live_bot: LiveBot,
) -> None:
    clinic = await Clinic.make(live_bot)
    await clinic.patient(FRIEND, "Jamie Other", language="es")
    patient_id, _ = await clinic.patient(PAT, "Robin Quill", language="es")
    [invite] = await say(live_bot, PAT, "/support")
    payload = (invite.plain_text or "").split("start=")[1].split()[0]
    mark = live_bot.api.mark(PAT)
    await say(live_bot, FRIEND, f"/start {payload}")  # Jamie becomes Robin's support person
    [confirm] = await live_bot.api.wait_for_new(PAT, mark, count=1)
    [[yes, _no]] = confirm.buttons
    await live_bot.api.tap(PAT, yes, confirm)
    await drained(live_bot)
    await say(live_bot, PAT, "/delete")
    mark = live_bot.api.mark(FRIEND)
    await say(live_bot, PAT, "BORRAR.")  # a full stop still confirms
    [told] = await live_bot.api.wait_for_new(FRIEND, mark, count=1)
    assert (told.plain_text or "").startswith("La persona a la que usted apoyaba terminó")
    assert "Robin" not in (told.plain_text or "")
    assert await rows_mentioning(live_bot, patient_id, ["Robin", "Quill", str(PAT)]) == []
