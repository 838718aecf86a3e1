"""Everything a person sends the bot comes through here, whatever the channel.

Order matters and is fixed: free text is triaged for a crisis before any other reading of it, so a
crisis typed in the middle of a set-up question is never taken as an answer to that question.

Replies are in the person's language: an enrolled patient's stored ``Patient.language``, the one
chosen during set-up (kept in the onboarding draft), or else their Telegram client's
(``Sender.language``, English when it is one we do not speak). A crisis reply alone follows the
language of the message that raised it (bot.safety.language).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Clinic, Conversation, Patient, PatientStatus, Question
from bot.domain import checkins as checkin_domain
from bot.domain import onboarding, risk, texts
from bot.domain.clock_times import ParseError
from bot.domain.inputs import MAX_ID, clean, parse_number
from bot.domain.onboarding import LANGUAGE_LABELS, LANGUAGE_TAP, Draft, Outcome
from bot.domain.reminders import parse_tap as parse_dose_tap
from bot.domain.replies import Button, Reply, TapResult
from bot.domain.timezones import resolve_zone, zone_from_location
from bot.domain.triage import CrisisKind, crisis_reply
from bot.i18n import DEFAULT, st, supported, t
from bot.qa import answer as answer_question
from bot.safety import texts as safety_texts
from bot.safety.net import Assessment, assess
from bot.services import (
    alerts,
    audit,
    checkins,
    consent,
    conversations,
    patient_data,
    safety_checks,
    staff_commands,
    staff_invites,
    support,
)
from bot.services import patient_settings as settings
from bot.services.alerts import raise_alert, staff_by_chat
from bot.services.clinics import find_clinic_by_code
from bot.services.context import AppContext
from bot.services.doses import NOT_YOURS, answer_dose
from bot.services.enrolment import enrol, patient_by_chat
from bot.services.progress import progress
from bot.sms.chats import is_text_only

log = logging.getLogger(__name__)

ONBOARDING = "onboarding"
DELETE_FLOW = "delete"
DELETE_WORD = "DELETE"
_TAP_PREFIX = "ob"


@dataclass(frozen=True)
class Sender:
    chat_id: int
    display_name: str = ""
    # The language of the person's client (Telegram's ``language_code``, "es-MX"), if known.
    language: str | None = None

    @property
    def client_language(self) -> str:
        """The client's language when we speak it, else English."""
        return supported(self.language) or DEFAULT


_SETTINGS_PREFIX = "sf"
SETTINGS_FLOWS = (
    settings.FLOW_TIME,
    settings.FLOW_ZONE,
    settings.FLOW_PAUSE,
    settings.FLOW_CHECKIN,
)
# Commands that need an enrolled patient; each gets the patient inside one transaction.
PATIENT_COMMANDS = ("schedule", "pause", "resume", "checkin", "progress", "support")
LANGUAGE_COMMANDS = ("language", "idioma", "lang")
_CHECKIN_SETTINGS_WORDS = ("settings", "setting", "schedule", "change", "ajustes", "cambiar")
# What confirms /delete besides DELETE, by language (the Spanish question names BORRAR too).
_DELETE_WORDS: dict[str, tuple[str, ...]] = {"es": ("BORRAR",)}
_AROUND_A_WORD = " .!¡?¿\"'“”‘’«»"


def patient_language(patient: Patient) -> str:
    return supported(patient.language) or DEFAULT


def _cleaned(sender: Sender) -> Sender:
    """Names come from Telegram profiles: anything a person typed there, control characters
    included (Postgres cannot store U+0000)."""
    return replace(sender, display_name=clean(sender.display_name))


def _tap_data(revision: int, value: str, prefix: str = _TAP_PREFIX) -> str:
    return f"{prefix}:{revision}:{value}"


def _parse_tap(data: str, expected_prefix: str = _TAP_PREFIX) -> tuple[int, str] | None:
    prefix, _, rest = data.partition(":")
    revision, _, value = rest.partition(":")
    number = parse_number(revision, MAX_ID)
    if prefix != expected_prefix or number is None or not value:
        return None
    return number, value


def _with_revision(replies: list[Reply], revision: int, prefix: str = _TAP_PREFIX) -> list[Reply]:
    """Stamp every button with the conversation revision, so an old button is recognisable.
    A language button is left as it is: switching language is right at any step."""
    return [
        replace(
            reply,
            buttons=tuple(
                tuple(
                    b
                    if b.data.startswith(LANGUAGE_TAP)
                    else Button(b.label, _tap_data(revision, b.data, prefix))
                    for b in row
                )
                for row in reply.buttons
            ),
        )
        for reply in replies
    ]


def _settings_prompt(flow: str, step: str = "", lang: str = DEFAULT) -> Reply:
    if flow == settings.FLOW_CHECKIN:
        return settings.checkin_prompt(step, lang=lang)
    if flow == settings.FLOW_TIME:
        return settings.time_prompt(lang=lang)
    if flow == settings.FLOW_ZONE:
        return settings.zone_prompt(lang=lang)
    return settings.pause_prompt(lang=lang)


class Inbox:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def language(self, sender: Sender) -> str:
        """The language to speak to ``sender`` in (see the module's docstring)."""
        async with self.ctx.sessions() as session:
            return await self._lang(session, sender)

    async def _lang(
        self, session: AsyncSession, sender: Sender, current: Conversation | None = None
    ) -> str:
        patient = await patient_by_chat(session, sender.chat_id)
        if patient is not None:
            return patient_language(patient)
        if current is None:
            current = await conversations.load(session, sender.chat_id)
        if current is not None and current.flow == ONBOARDING:
            return Draft.from_json(current.step, current.data).language
        if await support.supports_someone(session, sender.chat_id):
            chosen = await support.supporter_language(session, sender.chat_id)
            if chosen is not None:
                return supported(chosen) or DEFAULT
        return sender.client_language

    def _consent_texts(self, chat_id: int) -> dict[str, str]:
        """The consent as the person reads it: a text-only chat (SMS) gets the text written for
        text messages."""
        return consent.texts(self.ctx, by_text=is_text_only(chat_id))

    async def staff_role(self, chat_id: int) -> str | None:
        """``staff`` or ``admin`` for active staff (their command menu), else None."""
        async with self.ctx.sessions() as session:
            staff = await staff_by_chat(session, chat_id)
            return None if staff is None else staff.role

    # Commands ---------------------------------------------------------------------------------

    async def command(self, sender: Sender, name: str, args: list[str]) -> list[Reply]:
        sender, name = _cleaned(sender), clean(name).lower()
        args = [a for a in (clean(arg) for arg in args) if a]
        if args:
            # What follows a command is typed by the person like any message ("/help i took
            # all my pills"): the safety net reads it before the command runs. Staff typing a
            # patient's name or a number are not the ones it is for.
            verdict = assess(" ".join(args))
            if verdict.tier is not None and await self.staff_role(sender.chat_id) is None:
                return [await self._safety(sender, verdict)]
        if name == "start":
            return await self._start(sender, args[0] if args else None)
        if name == "cancel":
            return await self._cancel(sender)
        if name == "help":
            async with self.ctx.sessions() as session:
                if await staff_by_chat(session, sender.chat_id) is not None:
                    return [Reply(texts.STAFF_HELP)]
                lang = await self._lang(session, sender)
                patient = await patient_by_chat(session, sender.chat_id)
                if patient is None and await support.supports_someone(session, sender.chat_id):
                    return [Reply(t(lang, support.SUPPORTER_HELP))]
            return [Reply(texts.help_text(enrolled=patient is not None, lang=lang))]
        if name == "sos":
            return await self._sos(sender)
        if name in LANGUAGE_COMMANDS:
            return await self._language_command(sender, args)
        if name == "leave":
            left = await support.leave(self.ctx, sender.chat_id)
            return left or [
                Reply(
                    t(
                        await self.language(sender),
                        "You're not anyone's support person here, so there's nothing to leave.",
                    )
                )
            ]
        if name in ("stop", "mydata", "delete"):
            return await self._data_command(sender, name)
        if name in PATIENT_COMMANDS:
            return await self._patient_command(sender, name, args)
        if name in staff_commands.COMMANDS:
            # Someone who is not staff learns nothing: the reply to an unknown command.
            done = await staff_commands.command(self.ctx, sender.chat_id, name, args)
            return done if done is not None else await self._unknown_command(sender)
        if name == "invite_staff":
            done = await staff_commands.invite_staff(self.ctx, sender.chat_id, args)
            return done if done is not None else await self._unknown_command(sender)
        return await self._unknown_command(sender)

    async def _unknown_command(self, sender: Sender) -> list[Reply]:
        return [Reply(t(await self.language(sender), texts.UNKNOWN_COMMAND))]

    # Language ---------------------------------------------------------------------------------

    async def _language_command(self, sender: Sender, args: list[str]) -> list[Reply]:
        """/language (/idioma): the languages as buttons, or straight to one named after it."""
        if args:
            named = onboarding.language_asked(" ".join(args)) or supported(args[0])
            if named is not None:
                return await self._switch_language(sender, named)
        lang = await self.language(sender)
        question = t(lang, "Which language would you like me to write in?")
        return [Reply(question, onboarding.language_buttons(lang, all_languages=True))]

    async def _switch_language(self, sender: Sender, lang: str) -> list[Reply]:
        """Speak ``lang`` from now on: kept on the patient, or in the set-up's draft."""
        async with self.ctx.sessions.begin() as session:
            return await self._switch_language_in(session, sender, lang)

    async def _switch_language_in(
        self, session: AsyncSession, sender: Sender, lang: str
    ) -> list[Reply]:
        now = self.ctx.clock.now()
        done = Reply(t(lang, "Okay, I'll write in English."))
        patient = await patient_by_chat(session, sender.chat_id)
        if patient is not None:
            if patient.language != lang:
                patient.language, patient.updated_at = lang, now
                audit.by_patient(
                    session, self.ctx, patient, "patient.language", now, {"language": lang}
                )
            if consent.outdated(self.ctx, patient):
                return [
                    done,
                    self._reconsent(sender, lang),
                ]
            return [done]
        current = await conversations.load(session, sender.chat_id)
        if current is not None and current.flow == ONBOARDING:
            draft = Draft.from_json(current.step, current.data)
            outcome = onboarding.switch_language(
                draft, lang, now, self._consent_texts(sender.chat_id)
            )
            return await self._apply(session, sender, current, outcome)
        # Someone not enrolled nor joining: nothing to keep it in, but they can read what to do.
        return [done, Reply(t(lang, texts.NO_INVITE))]

    async def _language_tap(self, sender: Sender, data: str) -> TapResult:
        lang = supported(data[len(LANGUAGE_TAP) :])
        if lang is None:
            return TapResult(notice=t(await self.language(sender), texts.STALE_BUTTON))
        replies = await self._switch_language(sender, lang)
        return TapResult(replies, chosen=LANGUAGE_LABELS[lang])

    async def _patient_command(self, sender: Sender, name: str, args: list[str]) -> list[Reply]:
        async with self.ctx.sessions.begin() as session:
            patient = await patient_by_chat(session, sender.chat_id)
            if patient is None:
                return [Reply(t(await self._lang(session, sender), texts.NOT_ENROLLED))]
            lang = patient_language(patient)
            if consent.outdated(self.ctx, patient):
                return [self._reconsent(sender, lang)]
            if name == "schedule":
                schedules = await settings.active_schedules(session, patient)
                return [settings.overview(patient, schedules)]
            if name == "resume":
                return await settings.resume(self.ctx, session, patient)
            if name == "checkin":
                if args and args[0].lower() in _CHECKIN_SETTINGS_WORDS:
                    return await self._begin_settings(session, sender, settings.FLOW_CHECKIN, lang)
                return await checkins.start_now(self.ctx, session, patient)
            if name == "progress":
                now, threshold = self.ctx.clock.now(), self.ctx.settings.thresholds.craving
                return [await progress(session, patient, now, threshold)]
            if name == "support":
                return await support.support_command(self.ctx, session, patient)
            return await self._begin_settings(session, sender, settings.FLOW_PAUSE, lang)

    async def _begin_settings(
        self, session: AsyncSession, sender: Sender, flow: str, lang: str = DEFAULT
    ) -> list[Reply]:
        step = settings.CHECKIN_STEP_FREQUENCY if flow == settings.FLOW_CHECKIN else flow
        conversation = await conversations.begin(
            session, sender.chat_id, flow, step, {}, self.ctx.clock.now()
        )
        prompt = _settings_prompt(flow, step, lang)
        return _with_revision([prompt], conversation.revision, _SETTINGS_PREFIX)

    async def _data_command(self, sender: Sender, name: str) -> list[Reply]:
        """/stop, /mydata and /delete: always available, whatever the consent's version."""
        async with self.ctx.sessions.begin() as session:
            patient = await patient_by_chat(session, sender.chat_id)
            if patient is None:
                return [Reply(t(await self._lang(session, sender), texts.NOTHING_STORED))]
            lang = patient_language(patient)
            if name == "stop":
                return [consent.stop_question(lang=lang)]
            if name == "mydata":
                content = await patient_data.export(self.ctx, session, patient)
                day = self.ctx.clock.now().date().isoformat()
                return [Reply(t(lang, texts.MY_DATA), document=(f"my-data-{day}.json", content))]
            await conversations.begin(
                session, sender.chat_id, DELETE_FLOW, "confirm", {}, self.ctx.clock.now()
            )
            return [Reply(t(lang, texts.DELETE_QUESTION))]

    async def _confirm_delete(
        self, session: AsyncSession, sender: Sender, text: str
    ) -> list[Reply]:
        await conversations.end(session, sender.chat_id)
        patient = await patient_by_chat(session, sender.chat_id)
        if patient is None:
            return [Reply(t(sender.client_language, texts.NOTHING_STORED))]
        lang = patient_language(patient)  # read before the patient is erased
        # The word to type is DELETE; a Spanish speaker may type BORRAR (as the question says).
        # Quotes or a full stop around it still mean it ("BORRAR.", “delete”); nothing else does.
        typed = text.strip().strip(_AROUND_A_WORD).strip().upper()
        if typed not in (DELETE_WORD, *_DELETE_WORDS.get(lang, ())):
            return [Reply(t(lang, texts.NOT_DELETED))]
        await patient_data.erase(self.ctx, session, patient)
        log.info("a patient's data was erased at their request")
        return [Reply(t(lang, texts.DELETED), clear_keyboard=True)]

    async def _sos(self, sender: Sender) -> list[Reply]:
        """Crisis resources at once; a button asks the care team to reach out."""
        async with self.ctx.sessions() as session:
            patient = await patient_by_chat(session, sender.chat_id)
            lang = await self._lang(session, sender)
        # urgent: delivered later through the outbox if Telegram cannot take it now.
        if patient is None:
            reply = crisis_reply(CrisisKind.SUICIDE_SELF_HARM, care_team_told=False, lang=lang)
            return [Reply(reply, urgent=True)]
        button = Button(t(lang, texts.SOS_BUTTON), "sos:call")
        return [Reply(t(lang, texts.SOS), ((button,),), urgent=True)]

    async def _sos_call(self, sender: Sender) -> TapResult:
        now = self.ctx.clock.now()
        async with self.ctx.sessions.begin() as session:
            patient = await patient_by_chat(session, sender.chat_id)
            if patient is None:
                return TapResult(notice=t(sender.client_language, texts.STALE_BUTTON))
            lang = patient_language(patient)
            await raise_alert(session, patient, risk.sos(patient.display_name), now)
            audit.by_patient(session, self.ctx, patient, "sos.requested", now)
            log.warning("sos alert raised", extra={"patient": self.ctx.patient_ref(patient.id)})
        return TapResult(
            notice=t(lang, "Your care team has been told."), chosen=t(lang, texts.SOS_SENT)
        )

    async def _settings_answer(
        self,
        session: AsyncSession,
        current: Conversation,
        patient: Patient | None,
        text: str | None = None,
        point: tuple[float, float] | None = None,
    ) -> list[Reply]:
        if patient is None:
            await conversations.end(session, current.chat_id)
            return [Reply(t(DEFAULT, texts.NOT_ENROLLED))]
        lang = patient_language(patient)
        try:
            if current.flow == settings.FLOW_CHECKIN:
                if point is not None:
                    return [Reply(t(lang, texts.NOT_NOW_LOCATION))]
                replies, step, data = await settings.checkin_answer(
                    self.ctx, session, patient, current.step, dict(current.data), text or ""
                )
                if step is not None:
                    revision = await conversations.advance(
                        session, current.chat_id, current.revision, step, data, self.ctx.clock.now()
                    )
                    if revision is None:
                        return [Reply(t(lang, texts.STALE_BUTTON))]
                    return _with_revision(replies, revision, _SETTINGS_PREFIX)
                await conversations.end(session, current.chat_id)
                return replies
            if current.flow == settings.FLOW_ZONE:
                match = (
                    zone_from_location(*point, lang=lang)
                    if point is not None
                    else resolve_zone(text or "", lang=lang)
                )
                replies = await settings.change_zone(self.ctx, session, patient, match)
            elif point is not None:
                return [Reply(t(lang, texts.NOT_NOW_LOCATION))]
            elif current.flow == settings.FLOW_TIME:
                replies = await settings.change_times(self.ctx, session, patient, text or "")
            else:
                replies = await settings.pause(self.ctx, session, patient, text or "")
        except ParseError as problem:
            again = _with_revision(
                [_settings_prompt(current.flow, current.step, lang)],
                current.revision,
                _SETTINGS_PREFIX,
            )
            return [Reply(str(problem)), *again]
        await conversations.end(session, current.chat_id)
        return replies

    async def _start(self, sender: Sender, code: str | None) -> list[Reply]:
        now = self.ctx.clock.now()
        if code is not None and staff_invites.is_invite_payload(code):
            # Before anything else: a staff invite is never read as a clinic's code.
            joined = await staff_invites.join(self.ctx, sender.chat_id, sender.display_name, code)
            return [Reply(joined.text)]
        if code is not None and code.startswith(support.LINK_PREFIX):
            return await support.join(
                self.ctx,
                sender.chat_id,
                sender.display_name,
                code[len(support.LINK_PREFIX) :],
                lang=sender.client_language,
            )
        async with self.ctx.sessions.begin() as session:
            staff = await staff_by_chat(session, sender.chat_id)
            if staff is not None:
                return [Reply(texts.staff_welcome(staff.name))]
            patient = await patient_by_chat(session, sender.chat_id)
            if patient is not None:
                lang = patient_language(patient)
                await conversations.end(session, sender.chat_id)
                if patient.status == PatientStatus.UNREACHABLE:
                    return await settings.reconnect(self.ctx, session, patient)
                if patient.status == PatientStatus.STOPPED:
                    back = await consent.come_back(self.ctx, session, patient)
                    if consent.outdated(self.ctx, patient):
                        return [
                            consent.prompt(
                                self.ctx, lang=lang, by_text=is_text_only(sender.chat_id)
                            )
                        ]
                    return back
                if consent.outdated(self.ctx, patient):
                    return [self._reconsent(sender, lang)]
                clinic_row = await session.get(Clinic, patient.clinic_id)
                name = clinic_row.name if clinic_row else t(lang, "your clinic")
                return [Reply(texts.already_enrolled(name, lang=lang))]
            current = await conversations.load(session, sender.chat_id)
            onboarding_now = current is not None and current.flow == ONBOARDING
            # A set-up under way keeps the language chosen in it; else the client's.
            lang = await self._lang(session, sender, current)
            if code is None:
                if current is not None and onboarding_now:
                    draft = Draft.from_json(current.step, current.data)
                    return _with_revision([self._prompt(draft, sender.chat_id)], current.revision)
                return [Reply(t(lang, texts.NO_INVITE))]
            clinic = await find_clinic_by_code(session, code)
            if clinic is None:
                return [Reply(texts.unknown_invite(code, lang=lang))]
            outcome = onboarding.start(
                clinic.id,
                clinic.name,
                self.ctx.consent.version,
                self._consent_texts(sender.chat_id),
                language=lang,
            )
            assert outcome.draft is not None
            conversation = await conversations.begin(
                session,
                sender.chat_id,
                ONBOARDING,
                outcome.draft.step,
                outcome.draft.to_json(),
                now,
            )
            return _with_revision(outcome.replies, conversation.revision)

    async def _cancel(self, sender: Sender) -> list[Reply]:
        async with self.ctx.sessions.begin() as session:
            lang = await self._lang(session, sender)  # before a set-up's draft goes
            ended = await conversations.end(session, sender.chat_id)
        if ended:
            return [Reply(texts.cancelled(ended, lang=lang), clear_keyboard=True)]
        return [Reply(t(lang, texts.NOTHING_TO_CANCEL))]

    # Free text --------------------------------------------------------------------------------

    async def text(self, sender: Sender, text: str) -> list[Reply]:
        sender, text = _cleaned(sender), clean(text)
        # Nothing else is said after a crisis or a check: no answer, no "I don't know".
        verdict = assess(text)
        if verdict.tier is not None:
            return [await self._safety(sender, verdict)]
        async with self.ctx.sessions.begin() as session:
            current = await conversations.load(session, sender.chat_id)
            if current is not None and current.flow == ONBOARDING:
                draft = Draft.from_json(current.step, current.data)
                outcome = onboarding.answer(
                    draft, text, self.ctx.clock.now(), self._consent_texts(sender.chat_id)
                )
                return await self._apply(session, sender, current, outcome)
            if current is not None and current.flow == DELETE_FLOW:
                return await self._confirm_delete(session, sender, text)
            if current is not None and current.flow == checkins.NOTE_FLOW:
                return await checkins.add_note(
                    self.ctx, session, sender.chat_id, int(current.data["id"]), text
                )
            patient = await patient_by_chat(session, sender.chat_id)
            named = onboarding.language_asked(text)
            if patient is not None and consent.outdated(self.ctx, patient) and named is None:
                return [
                    consent.prompt(
                        self.ctx,
                        lang=patient_language(patient),
                        by_text=is_text_only(sender.chat_id),
                    )
                ]
            if current is not None and current.flow in SETTINGS_FLOWS:
                return await self._settings_answer(session, current, patient, text=text)
            if named is not None and (patient is not None or current is None):
                # "español", "english" on its own: the language to speak from now on.
                return await self._switch_language_in(session, sender, named)
            if patient is None and await support.supports_someone(session, sender.chat_id):
                lang = await self._lang(session, sender, current)
                return [Reply(t(lang, support.SUPPORTER_HELP))]
            if patient is None:
                return [Reply(t(sender.client_language, texts.NO_INVITE))]
            # Answered from curated snippets only; below the confidence threshold the reply
            # says plainly that it does not know. The question is kept only if the operator
            # chose to (QUESTION_RETENTION_DAYS), to see what the content does not cover.
            # The clinic's own snippets (phone, hours, rebooking) reach its own patients only.
            clinic = await session.get(Clinic, patient.clinic_id)
            answer = answer_question(
                text,
                clinic=clinic.invite_code if clinic else None,
                lang=patient_language(patient),
            )
            if self.ctx.settings.question_retention_days > 0:
                session.add(
                    Question(
                        patient_id=patient.id,
                        asked_at=self.ctx.clock.now(),
                        text=text[:4096],
                        snippet_id=answer.snippets[0].id if answer.snippets else None,
                    )
                )
            return [Reply(answer.text)]

    async def edited_text(self, sender: Sender, text: str) -> list[Reply]:
        """An edited message is not a new answer, but a crisis or a risk signal written into it
        still counts."""
        sender, text = _cleaned(sender), clean(text)
        verdict = assess(text)
        if verdict.tier is None:
            return []
        return [await self._safety(sender, verdict)]

    async def _safety(self, sender: Sender, verdict: Assessment) -> Reply:
        if verdict.kind is None:
            reply = await safety_checks.ask(self.ctx, sender.chat_id, verdict.lang)
        else:
            reply = await self._crisis(sender, verdict.kind, verdict.rule, verdict.lang)
        # urgent: delivered later through the outbox if Telegram cannot take it now.
        return replace(reply, urgent=True)

    async def _crisis(
        self, sender: Sender, kind: CrisisKind, rule: str | None, lang: str = "en"
    ) -> Reply:
        now = self.ctx.clock.now()
        async with self.ctx.sessions.begin() as session:
            patient = await patient_by_chat(session, sender.chat_id)
            if patient is not None:
                alert = await raise_alert(
                    session, patient, risk.crisis(patient.display_name, kind, lang), now
                )
                audit.record(
                    session,
                    at=now,
                    actor_kind="system",
                    action="alert.crisis",
                    clinic_id=patient.clinic_id,
                    subject=self.ctx.patient_ref(patient.id),
                    detail={
                        "alert_id": alert.id if alert else None,
                        "kind": kind.value,
                        "rule": rule,
                    },
                )
                ref = self.ctx.patient_ref(patient.id)
                # An open alert counting one more occurrence is not a new alert: saying "raised"
                # twice would send an operator looking for a second card that does not exist.
                if alert is not None:
                    log.warning("crisis alert raised", extra={"patient": ref})
                else:
                    log.warning("crisis on an open alert", extra={"patient": ref})
        return Reply(crisis_reply(kind, care_team_told=patient is not None, lang=lang))

    # Buttons and locations --------------------------------------------------------------------

    async def tap(self, sender: Sender, data: str) -> TapResult:
        sender, data = _cleaned(sender), clean(data)
        if data.startswith("d:"):
            dose_tap = parse_dose_tap(data)
            if dose_tap is None:
                return await self._invalid_tap(sender, NOT_YOURS)
            return await answer_dose(self.ctx, sender.chat_id, dose_tap)
        if data.startswith("c:"):
            check_in_tap = checkin_domain.parse_tap(data)
            if check_in_tap is None:
                return await self._invalid_tap(sender, NOT_YOURS)
            return await checkins.answer(self.ctx, sender.chat_id, check_in_tap)
        if data in ("cc:yes", "cc:no"):
            return await checkins.contact_request(self.ctx, sender.chat_id, data == "cc:yes")
        if data == "sos:call":
            return await self._sos_call(sender)
        if data.startswith("sc:"):
            check_tap = safety_texts.parse_tap(data)
            if check_tap is None:
                return await self._invalid_tap(sender, safety_checks.NOT_VALID)
            done = await safety_checks.answer(self.ctx, sender.chat_id, *check_tap)
            # urgent: crisis lines after "I need help now" must not be lost (see Reply.urgent).
            return replace(done, replies=[replace(r, urgent=True) for r in done.replies])
        if data in (consent.STOP_YES, consent.STOP_NO):
            return await consent.stop(self.ctx, sender.chat_id, data == consent.STOP_YES)
        if data.startswith("cv:"):
            consent_tap = consent.parse_tap(data)
            if consent_tap is None:
                return await self._invalid_tap(sender, consent.STALE)
            return await consent.answer(self.ctx, sender.chat_id, *consent_tap)
        if data.startswith("a:"):
            alert_tap = alerts.parse_tap(data)
            if alert_tap is None:
                return TapResult(notice=st(alerts.NOT_VALID))
            return await alerts.act(self.ctx, alert_tap, chat_id=sender.chat_id)
        if staff_commands.is_staff_tap(data):
            return await staff_commands.tap(self.ctx, sender.chat_id, data)
        if data.startswith("sp:"):
            support_tap = support.parse_tap(data)
            if support_tap is None:
                return await self._invalid_tap(sender, support.NOT_VALID)
            return await support.tap(self.ctx, sender.chat_id, support_tap)
        if data.startswith("set:") or data.startswith(f"{_SETTINGS_PREFIX}:"):
            return await self._settings_tap(sender, data)
        if data.startswith(LANGUAGE_TAP):
            return await self._language_tap(sender, data)
        parsed = _parse_tap(data)
        async with self.ctx.sessions.begin() as session:
            current = await conversations.load(session, sender.chat_id)
            if current is None or current.flow != ONBOARDING:
                lang = await self._lang(session, sender, current)
                return TapResult(notice=t(lang, texts.STALE_BUTTON))
            draft = Draft.from_json(current.step, current.data)
            lang = draft.language
            prompt = self._prompt(draft, sender.chat_id)
            label = onboarding.label_for(prompt, parsed[1]) if parsed else None
            if parsed is None or parsed[0] != current.revision or label is None:
                again = _with_revision([prompt], current.revision)
                return TapResult(
                    [Reply(t(lang, texts.STALE_BUTTON_NEXT)), *again],
                    notice=t(lang, texts.STALE_BUTTON),
                )
            outcome = onboarding.answer(
                draft, parsed[1], self.ctx.clock.now(), self._consent_texts(sender.chat_id)
            )
            replies = await self._apply(session, sender, current, outcome)
            return TapResult(replies, chosen=label)

    async def _settings_tap(self, sender: Sender, data: str) -> TapResult:
        async with self.ctx.sessions.begin() as session:
            patient = await patient_by_chat(session, sender.chat_id)
            if patient is None:
                return TapResult(notice=t(sender.client_language, texts.STALE_BUTTON))
            lang = patient_language(patient)
            if data == "set:wording":
                patient.plain_wording = not patient.plain_wording
                patient.updated_at = self.ctx.clock.now()
                return TapResult(chosen=settings.wording_changed(patient.plain_wording, lang=lang))
            if data in ("set:time", "set:zone", "set:checkin"):
                flow = {
                    "set:time": settings.FLOW_TIME,
                    "set:zone": settings.FLOW_ZONE,
                    "set:checkin": settings.FLOW_CHECKIN,
                }[data]
                return TapResult(await self._begin_settings(session, sender, flow, lang))
            parsed = _parse_tap(data, _SETTINGS_PREFIX)
            current = await conversations.load(session, sender.chat_id)
            if parsed is None or current is None or current.flow not in SETTINGS_FLOWS:
                return TapResult(notice=t(lang, texts.STALE_BUTTON))
            prompt = _settings_prompt(current.flow, current.step, lang)
            label = onboarding.label_for(prompt, parsed[1])
            if parsed[0] != current.revision or label is None:
                return TapResult(notice=t(lang, texts.STALE_BUTTON))
            replies = await self._settings_answer(session, current, patient, text=parsed[1])
            return TapResult(replies, chosen=label)

    async def location(self, sender: Sender, latitude: float, longitude: float) -> list[Reply]:
        async with self.ctx.sessions.begin() as session:
            current = await conversations.load(session, sender.chat_id)
            if current is not None and current.flow in SETTINGS_FLOWS:
                patient = await patient_by_chat(session, sender.chat_id)
                return await self._settings_answer(
                    session, current, patient, point=(latitude, longitude)
                )
            if current is None or current.flow != ONBOARDING:
                lang = await self._lang(session, sender, current)
                return [Reply(t(lang, texts.NOT_NOW_LOCATION))]
            draft = Draft.from_json(current.step, current.data)
            outcome = onboarding.location(
                draft,
                latitude,
                longitude,
                self.ctx.clock.now(),
                self._consent_texts(sender.chat_id),
            )
            return await self._apply(session, sender, current, outcome)

    async def other(self, sender: Sender, caption: str | None = None) -> list[Reply]:
        """A photo, sticker, voice note or anything else that is not text. A caption is free
        text like any other: a crisis written under a photo is answered as one."""
        if caption:
            verdict = assess(clean(caption))
            if verdict.tier is not None:
                return [await self._safety(_cleaned(sender), verdict)]
        async with self.ctx.sessions() as session:
            current = await conversations.load(session, sender.chat_id)
            if current is not None and current.flow == ONBOARDING:
                draft = Draft.from_json(current.step, current.data)
                return _with_revision(
                    [
                        Reply(t(draft.language, texts.TEXT_ONLY)),
                        self._prompt(draft, sender.chat_id),
                    ],
                    current.revision,
                )
            lang = await self._lang(session, sender, current)
        return [Reply(t(lang, texts.TEXT_ONLY))]

    # Internals --------------------------------------------------------------------------------

    def _reconsent(self, sender: Sender, lang: str) -> Reply:
        """The new consent text, to be answered before anything else."""
        return consent.prompt(self.ctx, lang=lang, by_text=is_text_only(sender.chat_id))

    def _prompt(self, draft: Draft, chat_id: int) -> Reply:
        return onboarding.prompt(draft, self.ctx.clock.now(), self._consent_texts(chat_id))

    async def _invalid_tap(self, sender: Sender, notice: str) -> TapResult:
        """A button whose data does not parse (forged or from an old version)."""
        return TapResult(notice=t(await self.language(sender), notice))

    async def _apply(
        self, session: AsyncSession, sender: Sender, current: Conversation, outcome: Outcome
    ) -> list[Reply]:
        now = self.ctx.clock.now()
        if outcome.draft is not None:
            revision = current.revision
            if outcome.accepted:
                new_revision = await conversations.advance(
                    session,
                    sender.chat_id,
                    current.revision,
                    outcome.draft.step,
                    outcome.draft.to_json(),
                    now,
                )
                if new_revision is None:
                    return [Reply(t(outcome.draft.language, texts.STALE_BUTTON))]
                revision = new_revision
            return _with_revision(outcome.replies, revision)
        if not await conversations.end(session, sender.chat_id, current.revision):
            lang = Draft.from_json(current.step, current.data).language
            return [Reply(t(lang, texts.STALE_BUTTON))]
        if outcome.completed is not None:
            draft = Draft.from_json(current.step, current.data)
            patient = await enrol(
                session,
                chat_id=sender.chat_id,
                display_name=sender.display_name,
                draft=draft,
                plan=outcome.completed,
                now=now,
            )
            audit.by_patient(
                session,
                self.ctx,
                patient,
                "patient.enrolled",
                now,
                {"consent_version": patient.consent_version, "language": patient.language},
            )
            log.info("patient enrolled", extra={"patient": self.ctx.patient_ref(patient.id)})
        return outcome.replies
