"""SMS as a second channel (issue 16): pure building blocks, not wired into the inbox yet.

* :mod:`bot.sms.segments` — how many segments a text costs (GSM-7 or UCS-2), as carriers count.
* :mod:`bot.sms.phone` — numbers parsed to E.164 with ``phonenumbers``, and masked for staff.
* :mod:`bot.sms.keywords` — STOP, START, HELP and numbered replies: the whole body is the keyword.
* :mod:`bot.sms.signature` — Twilio's ``X-Twilio-Signature`` checked with Twilio's own validator.
* :mod:`bot.sms.gateway` — one text sent through Twilio's REST API (or ``TWILIO_API_BASE_URL``),
  its failures sorted into what the sender should do (step 2).

Only the gateway touches the network; nothing here touches the database; see docs/sms.md.
"""
