"""Words the patient reads. Warm, brief, never shaming; emergencies always point to 988 / 911."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

from bot.i18n import N_, SN_, st, t

# Texts named here are English catalog ids (N_): the code that says one passes it through
# ``t(lang, ...)`` in the patient's language. A text that ends with the emergency line carries it
# whole, so a translator sees (and words) it as one message.
EMERGENCY_LINE = N_(
    "If you are in danger or thinking about suicide, call or text 988, or call 911."
)


def _day(when: date, lang: str, with_year: bool = False) -> str:
    return format_date(when, "EEE dd MMM y" if with_year else "EEE dd MMM", locale=lang)


def welcome(clinic_name: str, lang: str = "en") -> str:
    return t(
        lang,
        "Hi! I'm the recovery companion from {clinic}.\n\n"
        "I can remind you to take your medication at your own local time, check in on how "
        "you're doing, and pass word to your care team when you need them.\n\n"
        "I'm not for emergencies and I'm not a doctor. "
        "If you are in danger or thinking about suicide, call or text 988, or call 911.",
        clinic=clinic_name,
    )


NO_INVITE = N_(
    "Hi! I'm a recovery companion that works with clinics. To join, please use the invite link "
    "your clinic gave you, or send /start followed by the invite code (for example /start "
    "ABCD2345).\n\nIf you don't have one, ask your care team for it. "
    "If you are in danger or thinking about suicide, call or text 988, or call 911."
)


def unknown_invite(code: str, lang: str = "en") -> str:
    return t(
        lang,
        "I couldn't find an invite with the code “{code}”. Please check it with your care "
        "team, then send /start followed by the code (for example /start ABCD2345).",
        code=code[:40],
    )


def already_enrolled(clinic_name: str, lang: str = "en") -> str:
    return t(
        lang,
        "You're already set up with {clinic}, nothing more to do. Send /help to see what I can do.",
        clinic=clinic_name,
    )


CONSENT_RETRY = N_("Please answer “I agree” or “No thanks” (or type yes or no).")
DECLINED = N_(
    "No problem. I haven't saved anything about you. If you change your mind, just tap your "
    "clinic's invite link again. Your care team is still there for you."
)
CONSENT_THANKS = N_("Thank you. Three quick questions and we're done.")
ZONE_PROMPT = N_(
    "Which time zone are you in? Tap one below, share your location, or type your city "
    "(for example Chicago) or a zone name (for example America/Chicago)."
)
# The set-up's questions by text message (issue 16): no buttons to tap and no location to share.
ZONE_PROMPT_SMS = N_(
    "Which time zone are you in? Reply with a number below, or type your city (for example "
    "Chicago) or US ZIP code (for example 60601)."
)
REGIMEN_PROMPT_SMS = N_(
    "Which days, and how much on each? For example: 100/100/150 mg Mon/Wed/Fri. "
    "Reply 1 if that's your plan."
)
CHECKIN_PROMPT_SMS = N_(
    "Can I check in with you now and then? Three short questions (cravings, mood, any use), "
    "answered with a number, about 30 seconds. Your care team sees your answers, so they know "
    "when to reach out."
)
CHECKIN_TIME_PROMPT_SMS = N_(
    "What time of day suits you for check-ins? Reply with a number below or type a time, for "
    "example 7 pm."
)
NOT_NOW_LOCATION = N_("Thanks, but I don't need your location for this step.")


def zone_found(label: str, zone: str, lang: str = "en") -> str:
    # The zone name is shown too: a shared location can resolve to a district name.
    if label != zone:
        return t(lang, "Got it: {place} ({zone}).", place=label, zone=zone)
    return t(lang, "Got it: {zone}.", zone=zone)


def zone_confirm(local_time: str, lang: str = "en") -> str:
    return t(lang, "Is it {time} where you are right now?", time=local_time)


LOCATION_KEY_HINT = N_("Or tap the button below to share your location.")
LOCATION_KEY_LABEL = N_("📍 Share my location")


ZONE_CONFIRM_RETRY = N_(
    "Please answer “Yes, that's right” or “No, change it”, or type your city (for example Denver)."
)
PLAN_KIND_PROMPT = N_("How do you take your medication?")
PLAN_KIND_RETRY = N_(
    "Please choose one of the options, or type daily, weekly or injection (for example: daily)."
)
REGIMEN_PROMPT = N_(
    "Which days, and how much on each? For example: 100/100/150 mg Mon/Wed/Fri. "
    "Tap the button if that's your plan."
)
INJECTION_DATE_PROMPT = N_(
    "When is your next injection? For example: 3 Dec, or 2026-12-03. I'll remind you the day "
    "before and on the day."
)


def injection_date_past(when: date, lang: str = "en") -> str:
    return t(
        lang,
        "{day} has already passed. When is your next injection? For example: 3 Dec, or 2026-12-03.",
        day=_day(when, lang),
    )


def injection_date_far(when: date, lang: str = "en") -> str:
    return t(
        lang,
        "{day} is more than two months away. Could you check the date? "
        "For example: 3 Dec, or 2026-12-03.",
        day=_day(when, lang, with_year=True),
    )


def time_prompt_sms(injection: bool, lang: str = "en") -> str:
    """:func:`time_prompt` by text message."""
    if injection:
        return t(
            lang,
            "What time of day should I remind you? Reply with a number below or type a time, "
            "for example 09:00 or 9 am.",
        )
    return t(
        lang,
        "What time should I remind you? Reply with a number below or type a time, for example "
        "08:00 or 8:30 pm. For twice a day, type both: 8am and 8pm.",
    )


def time_prompt(injection: bool, lang: str = "en") -> str:
    if injection:
        return t(
            lang,
            "What time of day should I remind you? Tap a time or type one, "
            "for example 09:00 or 9 am.",
        )
    return t(
        lang,
        "What time should I remind you? Tap a time or type one, for example 08:00 or 8:30 pm. "
        "For twice a day, type both: 8am and 8pm.",
    )


CHECKIN_PROMPT = N_(
    "Can I check in with you now and then? Three one-tap questions (cravings, mood, any use), "
    "about 30 seconds. Your care team sees your answers, so they know when to reach out."
)
CHECKIN_RETRY = N_("Please choose one of the options, or type weekly, daily or no.")
CHECKIN_TIME_PROMPT = N_(
    "What time of day suits you for check-ins? Tap a time or type one, for example 7 pm."
)
CHECKIN_ONE_TIME = N_("Just one time for check-ins, please, for example 19:00.")
ONE_TIME_ONLY = N_("For an injection I need just one time of day, for example 09:00.")


def confirm_plan(plan: str, lang: str = "en") -> str:
    return t(lang, "Here's your plan:\n\n{plan}\n\nIs that right?", plan=plan)


CONFIRM_RETRY = N_("Please answer “Looks good” or “Start over” (or type yes or start over).")
STARTING_OVER = N_("No problem, let's go through it again.")


def enrolled(plan: str, lang: str = "en") -> str:
    return t(
        lang,
        "You're all set.\n\n{plan}\n\n"
        "Your reminders will be discreet: they won't name your medication or why you take it, "
        "in case someone sees your lock screen.\n\n"
        "Send /help any time to see what I can do. "
        "If you are in danger or thinking about suicide, call or text 988, or call 911.",
        plan=plan,
    )


CANCELLED = N_(
    "Okay, I've stopped. Nothing from this set-up was saved. Tap your clinic's invite link "
    "whenever you want to start again."
)
NOTHING_TO_CANCEL = N_("There's nothing to cancel right now. Send /help to see what I can do.")
CANCELLED_CHANGE = N_("Okay, I've stopped there, and nothing has changed.")
# What /cancel says for each flow it can stop, by the flow's stored name (bot.services.inbox,
# patient_settings, checkins). Only a set-up that never finished talks about the invite link.
_CANCELLED_BY_FLOW = {
    "onboarding": CANCELLED,
    "pause": N_(
        "Okay, I've cancelled the pause, so nothing has changed: your reminders stay as they "
        "were. Send /schedule to see them."
    ),
    "set_time": N_(
        "Okay, I've cancelled the time change, so nothing has changed: your reminders stay at "
        "the same time. Send /schedule to see or change them."
    ),
    "set_zone": N_(
        "Okay, I've cancelled the time zone change, so nothing has changed. Send /schedule to "
        "see your plan."
    ),
    "set_checkin": N_("Okay, I've cancelled that, so nothing has changed in your check-ins."),
    "delete": N_("Okay, I've cancelled that. Nothing was deleted."),
    "checkin_note": N_("Okay, no note then. Your check-in answers are saved."),
}


def cancelled(flow: str | None, lang: str = "en") -> str:
    """The reply to /cancel, for the flow it stopped."""
    return t(lang, _CANCELLED_BY_FLOW.get(flow or "", CANCELLED_CHANGE))


STALE_BUTTON = N_("That button is from an earlier step, so I didn't change anything.")
STALE_BUTTON_NEXT = N_("Here's where we are now:")
UNKNOWN_COMMAND = N_("I don't know that command. Send /help to see what I can do.")
TEXT_ONLY = N_("I can only read text messages for now. Could you type it instead?")


def help_text(enrolled: bool, lang: str = "en") -> str:
    if not enrolled:
        return t(
            lang,
            "I'm a recovery companion that works with clinics.\n\n"
            "/start CODE: join with the invite code from your clinic\n"
            "/cancel: stop what we're doing\n"
            "/help: this message\n"
            "/language: English / español\n\n"
            "If you are in danger or thinking about suicide, call or text 988, or call 911.",
        )
    return t(
        lang,
        "Here's what I can do:\n\n"
        "/checkin: a quick check-in now (/checkin settings to change how often)\n"
        "/progress: your doses, streak and cravings, with a chart\n"
        "/schedule: see or change your reminder times, time zone and wording\n"
        "/pause: pause reminders until a date\n"
        "/resume: turn reminders back on\n"
        "/support: add someone you trust, told only about unconfirmed doses\n"
        "/sos: crisis lines now, and a button to ask your care team to call\n"
        "/mydata: everything I keep about you, as a file\n"
        "/stop: no more messages (/start to come back)\n"
        "/delete: erase everything I keep about you\n"
        "/language: English / español\n"
        "/help: this message\n"
        "/cancel: stop what we're doing\n\n"
        "You can also type a question about naltrexone; I answer from checked information and "
        "say so when I don't know. Your care team knows you best. "
        "If you are in danger or thinking about suicide, call or text 988, or call 911.",
    )


NOT_ENROLLED = N_(
    "You're not set up yet. Please use the invite link from your clinic, or send /start "
    "followed by your invite code."
)


# Check-ins, risk replies, /sos -----------------------------------------------------------------

OVERDOSE_RISK = N_(
    "If opioids are involved: your tolerance may be lower than it used to be, so an amount you "
    "once used can now cause an overdose. Never use alone, keep naloxone (Narcan) nearby, and "
    "never try to push through the naltrexone block with more opioids: that can be fatal. "
    "Call 911 if someone is very drowsy or breathing slowly."
)


def after_reported_use(lang: str = "en") -> str:
    return t(
        lang,
        "Thank you for telling me. That takes honesty, and a slip doesn't undo the work you've "
        "done.\n\n{overdose_risk}\n\nWould you like someone from your care team to reach "
        "out to you?",
        overdose_risk=t(lang, OVERDOSE_RISK),
    )


def coping(prompts: list[tuple[str, str]], lang: str = "en") -> str:
    """``prompts`` are (text, source) pairs from content/coping.toml, already in ``lang``."""
    lines = "\n".join(f"• {text}" for text, _ in prompts)
    sources = "; ".join(dict.fromkeys(source for _, source in prompts))
    if len(prompts) == 2:
        intro = t(
            lang,
            "That sounds hard. Cravings rise and fall, and even strong ones pass. "
            "Two things that can help right now:",
        )
    else:
        intro = t(
            lang,
            "That sounds hard. Cravings rise and fall, and even strong ones pass. "
            "Something that can help right now:",
        )
    return t(
        lang,
        "{intro}\n{lines}\n\n(From {sources}.)\n\n"
        "If you feel you might use, you can send /sos at any time.",
        intro=intro,
        lines=lines,
        sources=sources,
    )


CONTACT_YES = N_("Yes, please reach out")
CONTACT_NO = N_("Not now")
CONTACT_REQUESTED = N_(
    "I've asked your care team to reach out to you. "
    "If you are in danger or thinking about suicide, call or text 988, or call 911."
)
CONTACT_DECLINED = N_("Okay. You can send /sos any time if you'd like them to reach out.")

SOS = N_(
    "You're not alone. If you are in danger or might act on thoughts of suicide, call 911 or "
    "your local emergency number now.\n\n"
    "• Call or text 988 (Suicide and Crisis Lifeline), any time.\n"
    "• SAMHSA National Helpline: 1-800-662-4357, free, confidential, 24/7.\n"
    "• Overdose: call 911, give naloxone (Narcan) if you have it, and stay with the person.\n\n"
    "Would you like your care team to reach out to you now?"
)
SOS_BUTTON = N_("Ask my care team to call me")
SOS_SENT = N_(
    "I've told your care team that you asked for help; they'll reach out as soon as they can. "
    "If you are in danger, call 911 now."
)


def staff_welcome(name: str) -> str:
    first = name.split()[0] if name.strip() else st("there")
    return st(
        "Hi {name}, you're set up as care-team staff. "
        "Alerts about your clinic's patients will arrive here, with buttons to take or resolve "
        "them.",
        name=first,
    )


STAFF_HELP = SN_(
    "For care-team staff:\n\n"
    "/summary: your clinic at a glance, and who needs a call today\n"
    "/patient NAME or CODE: one patient's adherence, check-ins and a chart\n"
    "/alerts: open alerts, to take or resolve\n"
    "/dashboard: a one-time link to the web dashboard\n"
    "/invite NUMBER: invite a patient to get reminders by text message\n\n"
    "Alerts arrive here as they happen, and a summary every Monday morning."
)


# Your data: /mydata, /delete --------------------------------------------------------------------

NOTHING_STORED = N_(
    "I don't have anything stored about you. If you joined before and erased your data, you can "
    "join again with your clinic's invite link."
)
MY_DATA = N_(
    "Here is everything I keep about you, as a JSON file: your profile and consent, your plan, "
    "every dose and check-in, alerts about you, your support person, messages, and who on your "
    "care team looked at your record and when."
)
DELETE_QUESTION = N_(
    "This erases everything I keep about you: your plan, every dose and check-in, alerts about "
    "you, your support person link and any messages not yet sent. It can't be undone, and "
    "your care team will only be told that someone left. Records your clinic keeps elsewhere "
    "are not affected.\n\nTo confirm, type DELETE. Anything else keeps your data."
)
NOT_DELETED = N_("Okay, nothing was deleted.")
DELETED = N_(
    "Done. Everything I kept about you has been erased. If you ever want to come back, use your "
    "clinic's invite link. If you are in danger, call or text 988, or call 911."
)
