"""Is a webhook really from Twilio? Its ``X-Twilio-Signature``, checked by Twilio's own code.

Twilio signs every webhook with the account's Auth Token: an HMAC-SHA1, in base64, of the URL
it called followed by each POST parameter's name and value, sorted by name. The check here is
the official library's ``RequestValidator`` rather than our own HMAC: the rules have details
(ports added or dropped, repeated parameters, a body hash for JSON) that its maintainers track
and we would get subtly wrong.

The URL must be the public one the webhook was configured with in Twilio
("https://bot.example.org/sms/twilio"), from settings, never the URL the request arrived at:
behind a proxy or a load balancer that one is "http://127.0.0.1:8080/sms/twilio" and no real
request would ever pass.

An inbound text can stop messages (STOP) or raise a crisis alert, so a forged one must change
nothing: anything short of a valid signature is False, never an exception for the caller to
forget to catch.
"""

from __future__ import annotations

from collections.abc import Mapping

from twilio.request_validator import RequestValidator

__all__ = ["SIGNATURE_HEADER", "valid_signature"]

SIGNATURE_HEADER = "X-Twilio-Signature"


def valid_signature(
    auth_token: str, url: str, params: Mapping[str, str], signature: str | None
) -> bool:
    """True only if ``signature`` is Twilio's for ``url`` and the POST form ``params``.

    False for a missing or empty signature, and for an empty ``auth_token``: with an empty key
    anyone can compute the HMAC, so an unconfigured bot must refuse every webhook, not accept them.
    """
    if not signature or not signature.strip() or not auth_token:
        return False
    try:
        # Passed as given: a form with a repeated name (Starlette's FormData) keeps every value.
        return bool(RequestValidator(auth_token).validate(url, params, signature))
    except (ValueError, TypeError):  # e.g. a URL whose port is not a number
        return False
