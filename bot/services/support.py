"""A support person: someone the patient trusts, told only that a dose has not been confirmed.

The patient makes an invite link with ``/support``; the person opens it (``/start sp_<token>``)
and the patient confirms them with a tap. From then on, when a dose's window closes unanswered,
the support person gets one line: the patient hasn't confirmed today's dose yet. Never check-in
answers, crisis messages or anything else. The patient can remove them at any time and they can
leave with ``/leave``; either way the other side is told.

Languages: the patient reads everything in their own language (``Patient.language``). The
support person has no language of their own stored here, so they read the patient's, unless
their chat is also a patient's here (then their own ``Patient.language``): see
``supporter_language``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.bulk import any_id, insert_ignoring_conflicts
from bot.db.models import OutboxMessage, Patient, SupportLink, SupportStatus
from bot.domain import callback_tags, texts
from bot.domain.callback_tags import Kind
from bot.domain.inputs import parse_id
from bot.domain.replies import Button, Reply, TapResult
from bot.i18n import N_, nt, t
from bot.services import audit
from bot.services.alerts import PatientLike
from bot.services.context import AppContext
from bot.services.enrolment import patient_by_chat
from bot.services.outbox import enqueue, outbox_row, payload_for

log = logging.getLogger(__name__)

LINK_PREFIX = "sp_"
NOT_VALID = N_("That button isn't valid any more, so nothing changed.")
_LIVE = (SupportStatus.INVITED, SupportStatus.PENDING, SupportStatus.ACTIVE)


def first_name(display_name: str, lang: str = "en") -> str:
    return display_name.split()[0] if display_name.strip() else t(lang, "Your friend")


async def _own_language(session: AsyncSession, chat_id: int | None) -> str | None:
    """The stored language of a chat that is also a patient's here, else None."""
    if chat_id is None:
        return None
    return await session.scalar(select(Patient.language).where(Patient.chat_id == chat_id))


async def supporter_language(session: AsyncSession, chat_id: int) -> str | None:
    """The language to speak to a support person in (their own if they are a patient here,
    else the newest patient's they support); None when this chat supports nobody."""
    supported = await session.scalar(
        select(Patient.language)
        .join(SupportLink, SupportLink.patient_id == Patient.id)
        .where(
            SupportLink.supporter_chat_id == chat_id,
            SupportLink.status.in_((SupportStatus.PENDING, SupportStatus.ACTIVE)),
        )
        .order_by(SupportLink.id.desc())
        .limit(1)
    )
    if supported is None:
        return None
    return await _own_language(session, chat_id) or supported


@dataclass(frozen=True)
class SupportTap:
    action: str  # confirm, decline, revoke, cancel
    link_id: int
    tag: str | None = None  # None on a button from before tags


def tap_data(action: str, link_id: int, patient_id: int | None = None) -> str:
    """A support button; without ``patient_id``, the untagged form from before 0010."""
    return callback_tags.stamp(f"sp:{action}:{link_id}", Kind.SUPPORT, link_id, patient_id)


def _data(action: str, link: SupportLink) -> str:
    return tap_data(action, link.id, link.patient_id)


def parse_tap(data: str) -> SupportTap | None:
    body, tag = callback_tags.split(data)
    parts = body.split(":")
    link_id = parse_id(parts[2]) if len(parts) == 3 else None
    if link_id is None or parts[0] != "sp":
        return None
    if parts[1] not in ("confirm", "decline", "revoke", "cancel"):
        return None
    return SupportTap(parts[1], link_id, tag)


async def _live_link(session: AsyncSession, patient_id: int) -> SupportLink | None:
    return await session.scalar(
        select(SupportLink)
        .where(SupportLink.patient_id == patient_id, SupportLink.status.in_(_LIVE))
        .order_by(SupportLink.id.desc())
        .limit(1)
    )


def _confirm_question(link: SupportLink, lang: str = "en") -> Reply:
    return Reply(
        t(
            lang,
            "{name} opened your support invite. Should I tell them when you haven't confirmed a "
            "dose? They will never see your check-ins, messages or anything else.",
            name=link.supporter_name or t(lang, "Someone"),
        ),
        (
            (
                Button(t(lang, "Yes, confirm"), _data("confirm", link)),
                Button(t(lang, "No"), _data("decline", link)),
            ),
        ),
    )


async def support_command(ctx: AppContext, session: AsyncSession, patient: Patient) -> list[Reply]:
    """``/support``: show the current support person, or make an invite link."""
    now = ctx.clock.now()
    lang = patient.language
    link = await _live_link(session, patient.id)
    if link is not None and link.status == SupportStatus.ACTIVE:
        if link.supporter_name:
            text = t(
                lang,
                "Your support person is {name}. I only tell them when you haven't confirmed a "
                "dose, nothing else.",
                name=link.supporter_name,
            )
            remove = t(lang, "Remove {name}", name=link.supporter_name)
        else:
            text = t(
                lang,
                "Your support person is set. I only tell them when you haven't confirmed a dose, "
                "nothing else.",
            )
            remove = t(lang, "Remove them")
        return [Reply(text, ((Button(remove, _data("revoke", link)),),))]
    if link is not None and link.status == SupportStatus.PENDING:
        return [_confirm_question(link, lang)]
    if link is not None:  # an unused invite: replace it, so only the newest link works
        link.status, link.token, link.ended_at = SupportStatus.ENDED, None, now
    link = SupportLink(
        patient_id=patient.id,
        token=secrets.token_urlsafe(18),
        status=SupportStatus.INVITED,
        supporter_name="",
        created_at=now,
        expires_at=now + timedelta(days=ctx.settings.support_invite_days),
    )
    session.add(link)
    await session.flush()
    audit.by_patient(session, ctx, patient, "support.invited", now)
    url = ctx.identity.deep_link(f"{LINK_PREFIX}{link.token}")
    days = ctx.settings.support_invite_days
    return [
        Reply(
            nt(
                lang,
                "A support person is someone you trust, told only when you haven't confirmed a "
                "dose, never anything about your check-ins or messages.\n\n"
                "Send them this link (it works once, for {n} day):\n{url}\n\n"
                "When they open it, I'll ask you to confirm.",
                "A support person is someone you trust, told only when you haven't confirmed a "
                "dose, never anything about your check-ins or messages.\n\n"
                "Send them this link (it works once, for {n} days):\n{url}\n\n"
                "When they open it, I'll ask you to confirm.",
                days,
                url=url,
            ),
            ((Button(t(lang, "Cancel the invite"), _data("cancel", link)),),),
        )
    ]


async def join(
    ctx: AppContext, chat_id: int, name: str, token: str, *, lang: str = "en"
) -> list[Reply]:
    """Someone opened a support invite link. ``lang``: the language to answer in when the link
    leads to no patient (expired or used); otherwise the opener reads their own stored language
    if they are a patient here, else the patient's."""
    now = ctx.clock.now()
    async with ctx.sessions.begin() as session:
        link = await session.scalar(select(SupportLink).where(SupportLink.token == token))
        if link is None or link.status != SupportStatus.INVITED or link.expires_at <= now:
            own = await _own_language(session, chat_id)
            return [
                Reply(
                    t(
                        own or lang,
                        "This invite link has expired or was already used. Please ask the person "
                        "who sent it for a new one.",
                    )
                )
            ]
        patient = await session.get(Patient, link.patient_id)
        assert patient is not None
        if patient.chat_id == chat_id:
            return [
                Reply(
                    t(
                        patient.language,
                        "That's your own invite link. Send it to the person you'd like to add.",
                    )
                )
            ]
        theirs = await _own_language(session, chat_id) or patient.language
        link.status, link.token = SupportStatus.PENDING, None
        # No name stays empty (each text says "Someone" in its reader's language).
        link.supporter_chat_id, link.supporter_name = chat_id, name.strip()[:200]
        enqueue(
            session,
            chat_id=patient.chat_id,
            patient_id=patient.id,
            kind="support",
            payload=payload_for(_confirm_question(link, patient.language)),
            dedupe_key=f"support:{link.id}:confirm",
            now=now,
        )
        audit.by_patient(session, ctx, patient, "support.opened", now)
        who = first_name(patient.display_name, theirs)
    return [
        Reply(
            t(
                theirs,
                "Thank you for offering to support {name}. I've asked them to confirm, and I'll "
                "let you know here.",
                name=who,
            )
        )
    ]


def _tell_supporter(session: AsyncSession, link: SupportLink, text: str, now: datetime) -> None:
    """Queue ``text`` (already in the support person's language) for the support person."""
    if link.supporter_chat_id is None:
        return
    enqueue(
        session,
        chat_id=link.supporter_chat_id,
        patient_id=link.patient_id,
        kind="support",
        payload={"text": text},
        now=now,
    )


async def tap(ctx: AppContext, chat_id: int, parsed: SupportTap) -> TapResult:
    """The patient confirmed, declined, removed or cancelled (only their own links)."""
    now = ctx.clock.now()
    async with ctx.sessions.begin() as session:
        patient = await patient_by_chat(session, chat_id)
        link = await session.get(SupportLink, parsed.link_id)
        if patient is None or link is None or link.patient_id != patient.id:
            lang = patient.language if patient is not None else "en"
            return TapResult(notice=t(lang, NOT_VALID))
        lang = patient.language
        # Their own link, but the button was made for an earlier record of theirs (erased,
        # enrolled again, and the id came round). Untagged buttons keep the old rule above.
        if parsed.tag is not None and not callback_tags.matches(
            parsed.tag, Kind.SUPPORT, link.id, patient.id
        ):
            return TapResult(notice=t(lang, texts.STALE_BUTTON))
        name = link.supporter_name
        theirs = lang  # what the support person reads (see the module's note on languages)
        if parsed.action in ("confirm", "decline", "revoke"):
            theirs = await _own_language(session, link.supporter_chat_id) or lang
        who = first_name(patient.display_name, theirs)
        if parsed.action == "confirm" and link.status == SupportStatus.PENDING:
            link.status, link.confirmed_at = SupportStatus.ACTIVE, now
            _tell_supporter(
                session,
                link,
                t(
                    theirs,
                    "You're now {name}'s support person. I'll only tell you when they haven't "
                    "confirmed a dose, nothing about their health or messages. Send /leave any "
                    "time to stop.",
                    name=who,
                ),
                now,
            )
            audit.by_patient(session, ctx, patient, "support.confirmed", now)
            return TapResult(
                notice=t(lang, "Confirmed."),
                chosen=t(
                    lang,
                    "Confirmed: {name} is your support person",
                    name=name or t(lang, "them"),
                ),
            )
        if parsed.action == "decline" and link.status == SupportStatus.PENDING:
            link.status, link.ended_at = SupportStatus.ENDED, now
            _tell_supporter(
                session,
                link,
                t(theirs, "The invite wasn't confirmed, so I won't send you anything."),
                now,
            )
            link.supporter_chat_id = None  # no reason left to keep how to reach them
            audit.by_patient(session, ctx, patient, "support.declined", now)
            return TapResult(
                notice=t(lang, "Okay."), chosen=t(lang, "Not confirmed. Nothing will be shared.")
            )
        if parsed.action == "revoke" and link.status == SupportStatus.ACTIVE:
            link.status, link.ended_at = SupportStatus.ENDED, now
            _tell_supporter(
                session,
                link,
                t(
                    theirs,
                    "{name} has changed their settings, so you won't get updates from me any "
                    "more. Thank you for your support.",
                    name=who,
                ),
                now,
            )
            link.supporter_chat_id = None
            audit.by_patient(session, ctx, patient, "support.revoked", now)
            if name:
                chosen = t(lang, "Removed: {name} won't be told anything", name=name)
            else:
                chosen = t(lang, "Removed: they won't be told anything")
            return TapResult(notice=t(lang, "Removed."), chosen=chosen)
        if parsed.action == "cancel" and link.status == SupportStatus.INVITED:
            link.status, link.token, link.ended_at = SupportStatus.ENDED, None, now
            return TapResult(
                notice=t(lang, "Cancelled."),
                chosen=t(lang, "Invite cancelled; the link no longer works"),
            )
    return TapResult(notice=t(lang, NOT_VALID))


async def leave(ctx: AppContext, chat_id: int) -> list[Reply] | None:
    """``/leave`` from a support person; None when this chat supports nobody."""
    now = ctx.clock.now()
    async with ctx.sessions.begin() as session:
        theirs = await supporter_language(session, chat_id)
        links = list(
            await session.scalars(
                select(SupportLink).where(
                    SupportLink.supporter_chat_id == chat_id,
                    SupportLink.status.in_((SupportStatus.PENDING, SupportStatus.ACTIVE)),
                )
            )
        )
        if not links or theirs is None:
            return None
        for link in links:
            link.status, link.ended_at = SupportStatus.ENDED, now
            patient = await session.get(Patient, link.patient_id)
            if patient is None:
                continue
            enqueue(
                session,
                chat_id=patient.chat_id,
                patient_id=patient.id,
                kind="support",
                payload={"text": _stepped_back(link.supporter_name, patient.language)},
                now=now,
            )
            # They asked to stop: how to reach them, and their name, go too.
            link.supporter_chat_id, link.supporter_name = None, ""
            audit.by_patient(session, ctx, patient, "support.left", now)
    return [
        Reply(t(theirs, "Done. You won't get any more updates from me. Thank you for being there."))
    ]


def _stepped_back(supporter_name: str, lang: str) -> str:
    if supporter_name:
        return t(
            lang,
            "{name} has stepped back as your support person. You can invite someone else with "
            "/support.",
            name=supporter_name,
        )
    return t(
        lang,
        "Your support person has stepped back. You can invite someone else with /support.",
    )


async def supports_someone(session: AsyncSession, chat_id: int) -> bool:
    found = await session.scalar(
        select(SupportLink.id).where(
            SupportLink.supporter_chat_id == chat_id,
            SupportLink.status.in_((SupportStatus.PENDING, SupportStatus.ACTIVE)),
        )
    )
    return found is not None


# Said with t(lang, SUPPORTER_HELP), lang from supporter_language().
SUPPORTER_HELP = N_(
    "I'm a recovery companion. I only send you a short note when the person you support hasn't "
    "confirmed a dose. Send /leave to stop."
)


def _missed_note(
    patient: PatientLike,
    link_id: int,
    chat_id: int,
    due_at: datetime,
    now: datetime,
    lang: str = "en",
) -> dict[str, Any]:
    day = due_at.astimezone(ZoneInfo(patient.timezone)).date().isoformat()
    return outbox_row(
        chat_id=chat_id,
        patient_id=patient.id,
        kind="support",
        payload={
            "text": t(
                lang,
                "{name} hasn't confirmed today's dose yet. A friendly message from you might help.",
                name=first_name(patient.display_name, lang),
            )
        },
        dedupe_key=f"support:{link_id}:missed:{day}",
        now=now,
    )


async def notify_missed(
    session: AsyncSession, patient: Patient, due_at: datetime, now: datetime
) -> int:
    """Tell an active support person that today's dose isn't confirmed; once per local day."""
    return await notify_missed_many(session, [(patient, due_at)], now)


async def notify_missed_many(
    session: AsyncSession, missed: Sequence[tuple[PatientLike, datetime]], now: datetime
) -> int:
    """``notify_missed`` for each (patient, dose due) at once: one query for the links, one
    insert. Returns how many support people were due a note (one already sent that local day
    is not sent again, but still counts, as before).

    Each note is in its support person's language, read by the same query: their own if they
    are a patient here, else the patient's (see the module's note on languages)."""
    if not missed:
        return 0
    links: dict[int, list[tuple[int, int, str]]] = {}
    supporter = aliased(Patient)
    patient_row = aliased(Patient)
    found = await session.execute(
        select(
            SupportLink.patient_id,
            SupportLink.id,
            SupportLink.supporter_chat_id,
            patient_row.language,
            supporter.language,
        )
        .join(patient_row, patient_row.id == SupportLink.patient_id)
        .outerjoin(supporter, supporter.chat_id == SupportLink.supporter_chat_id)
        .where(
            any_id(session, SupportLink.patient_id, list({p.id for p, _ in missed})),
            SupportLink.status == SupportStatus.ACTIVE,
        )
        .order_by(SupportLink.id)
    )
    for patient_id, link_id, chat_id, patient_lang, own_lang in found.all():
        assert chat_id is not None
        links.setdefault(patient_id, []).append((link_id, chat_id, own_lang or patient_lang))
    notes = [
        _missed_note(patient, link_id, chat_id, due_at, now, lang)
        for patient, due_at in missed
        for link_id, chat_id, lang in links.get(patient.id, [])
    ]
    await insert_ignoring_conflicts(session, OutboxMessage, notes, ("dedupe_key",))
    return len(notes)
