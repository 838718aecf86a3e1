"""SMS as a second channel (issue 16): inbound texts and compliance, and outbound texts.

* :mod:`bot.sms.segments` — how many segments a text costs (GSM-7 or UCS-2), as carriers count.
* :mod:`bot.sms.phone` — numbers parsed to E.164 with ``phonenumbers``, and masked for staff.
* :mod:`bot.sms.keywords` — STOP, START, HELP and numbered replies: the whole body is the keyword.
* :mod:`bot.sms.signature` — Twilio's ``X-Twilio-Signature`` checked with Twilio's own validator.
* :mod:`bot.sms.gateway` — one text sent through Twilio's REST API (or ``TWILIO_API_BASE_URL``),
  its failures sorted into what the sender should do (step 2).
* :mod:`bot.sms.webhook` — Twilio's signed webhooks (an inbound text, a delivery receipt), answered
  in TwiML; what a text does is :mod:`bot.services.sms_inbound` (step 3).
* :mod:`bot.sms.server` — `run` serving the webhooks on SMS_WEBHOOK_PORT when SMS is on (step 3).
* :mod:`bot.sms.render` — an outbox payload as a text, buttons as a numbered menu (step 4); the
  outbox sender (jobs/sender.py) sends it through the gateway.

Segments, phone, keywords and signature are pure; see docs/sms.md.
"""
