"""Twilio's webhooks: an inbound text (``POST /sms/twilio``) and a delivery receipt
(``POST /sms/twilio/status``), served by `run` on SMS_WEBHOOK_PORT (see :mod:`bot.sms.server`).

Every request must carry a valid ``X-Twilio-Signature`` for the public URL Twilio was given
(``SMS_PUBLIC_URL`` + the path), never the URL it arrived at: behind the clinic's proxy that is
``http://10.0.0.5:8082/...`` and nothing would pass. Anything short of valid is a 403 before the
form is read for meaning: a forged STOP must not stop anyone's texts, and a forged crisis must
not raise anything.

Replies go back in the same HTTP answer as TwiML (``<Response><Message>…</Message></Response>``),
so answering a text needs no REST call and no outbox row. An answer with nothing to say is an
empty ``<Response/>``, after which Twilio sends nothing (after STOP, Twilio itself confirms).

A receipt moves the outbox row whose sid it names forward (bot/services/sms_receipts.py) and is
acknowledged with 204, whether the sid is known or not; it is logged by status and error code
only.

Nothing here logs a number unmasked, a body, or a header.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from fastapi import FastAPI, Request, Response
from starlette.datastructures import ImmutableMultiDict

from bot.services.context import AppContext
from bot.services.sms_inbound import handle_inbound
from bot.services.sms_receipts import record_receipt
from bot.sms.paths import INBOUND_PATH, STATUS_PATH
from bot.sms.phone import InvalidPhone, mask, parse_phone
from bot.sms.signature import SIGNATURE_HEADER, valid_signature

__all__ = ["INBOUND_PATH", "MAX_BODY_BYTES", "STATUS_PATH", "create_app", "twiml"]

log = logging.getLogger(__name__)

# Twilio's form is a few hundred bytes plus a body of at most 1,600 characters; media links and
# other fields stay well under this.
MAX_BODY_BYTES = 64 * 1024
TWIML_TYPE = "text/xml; charset=utf-8"
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
# A receipt's fields are logged, so only in the shapes Twilio sends them.
_STATUS_SHAPE = re.compile(r"^[a-z_]{1,20}$")
_ERROR_SHAPE = re.compile(r"^\d{1,6}$")
_SID_SHAPE = re.compile(r"^[A-Za-z]{2}[0-9a-fA-F]{32}$")


def twiml(texts: list[str]) -> str:
    """TwiML answering a text with ``texts``, one ``<Message>`` each (none: ``<Response/>``)."""
    if not texts:
        return f"{_XML_DECLARATION}<Response/>"
    messages = "".join(f"<Message>{escape(text)}</Message>" for text in texts)
    return f"{_XML_DECLARATION}<Response>{messages}</Response>"


class _Refused(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


async def _signed_form(
    request: Request, ctx: AppContext, path: str
) -> ImmutableMultiDict[str, str]:
    """The request's form, if Twilio signed it for ``SMS_PUBLIC_URL`` + ``path``; else
    :class:`_Refused` (413 for a body too large to be Twilio's, 403 for any signature problem)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _Refused(413)
    raw = bytearray()
    async for chunk in request.stream():
        raw.extend(chunk)
        if len(raw) > MAX_BODY_BYTES:
            raise _Refused(413)
    # A multi-dict: a repeated name keeps every value, as Twilio's signature covers them all.
    form: ImmutableMultiDict[str, str] = ImmutableMultiDict(
        parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
    )
    settings = ctx.settings
    url = f"{settings.sms_public_url or ''}{path}"
    if request.url.query:
        url = f"{url}?{request.url.query}"  # Twilio signs the query it was configured with
    signature = request.headers.get(SIGNATURE_HEADER)
    if not settings.sms_public_url or not valid_signature(
        settings.twilio_auth_token or "", url, form, signature
    ):
        raise _Refused(403)
    return form


def create_app(ctx: AppContext) -> FastAPI:
    """The ASGI app Twilio posts to; no docs or schema pages (nobody but Twilio calls it)."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.post(INBOUND_PATH)
    async def inbound(request: Request) -> Response:
        try:
            form = await _signed_form(request, ctx, INBOUND_PATH)
        except _Refused as refused:
            log.info("sms webhook refused (%s)", refused.status)
            return Response(status_code=refused.status)
        try:
            phone = parse_phone(str(form.get("From", "")))
        except InvalidPhone as problem:
            log.info("sms from an unusable number refused (%s)", problem.kind)
            return Response(status_code=400)
        body = str(form.get("Body", ""))
        try:
            replies = await handle_inbound(ctx, phone, body, ctx.clock.now())
        except Exception as exc:
            # Not uvicorn's traceback: a database error's message quotes its parameters, and
            # one of them is the number. Twilio records error 11200 and sends nothing.
            log.error("sms from %s not handled (%s)", mask(phone), type(exc).__name__)
            return Response(status_code=500)
        log.debug("sms answer to %s: %d text(s)", mask(phone), len(replies))
        return Response(twiml(replies), media_type=TWIML_TYPE)

    @app.post(STATUS_PATH)
    async def status(request: Request) -> Response:
        try:
            form = await _signed_form(request, ctx, STATUS_PATH)
        except _Refused as refused:
            log.info("sms receipt refused (%s)", refused.status)
            return Response(status_code=refused.status)
        state = str(form.get("MessageStatus", ""))
        error = str(form.get("ErrorCode", ""))
        sid = str(form.get("MessageSid", ""))
        log.info(
            "sms receipt: %s%s",
            state if _STATUS_SHAPE.match(state) else "(unrecognised status)",
            f", error {error}" if _ERROR_SHAPE.match(error) else "",
        )
        if _SID_SHAPE.match(sid) and _STATUS_SHAPE.match(state):
            code = int(error) if _ERROR_SHAPE.match(error) else None
            try:
                await record_receipt(ctx, sid, state, code, ctx.clock.now())
            except Exception as exc:
                # Twilio retries a receipt that was not acknowledged (a 5xx).
                log.error("sms receipt not stored (%s)", type(exc).__name__)
                return Response(status_code=500)
        return Response(status_code=204)

    return app
