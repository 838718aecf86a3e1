"""The webhooks' paths under ``SMS_PUBLIC_URL``: where Twilio posts inbound texts and delivery
receipts (bot/sms/webhook.py serves them; the outbox sender names the second one to Twilio as
each text's status callback)."""

from __future__ import annotations

INBOUND_PATH = "/sms/twilio"
STATUS_PATH = "/sms/twilio/status"
