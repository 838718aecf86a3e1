"""SMS as a second channel (issue 16): pure building blocks, not wired into the inbox yet.

* :mod:`bot.sms.segments` — how many segments a text costs (GSM-7 or UCS-2), as carriers count.
* :mod:`bot.sms.phone` — numbers parsed to E.164 with ``phonenumbers``, and masked for staff.
* :mod:`bot.sms.keywords` — STOP, START, HELP and numbered replies: the whole body is the keyword.
* :mod:`bot.sms.signature` — Twilio's ``X-Twilio-Signature`` checked with Twilio's own validator.

Nothing here touches the database, the network or a clock; see docs/sms.md.
"""
