"""What the citizen reads: the reminder texts, in Danish, with Danish dates.

The texts are Danish on purpose (not translated msgids): they leave the system, and a missing
catalogue must never send a citizen English. They name the time, the place and who the
appointment is with, and how to cancel; never a diagnosis, a pathway type or a CPR number
(an SMS can be read on a locked screen).
"""

from __future__ import annotations

from datetime import datetime

from forlob.notifications.rules import COPENHAGEN
from forlob.notifications.sources import ReminderEvent

WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
MONTHS = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)


def danish_datetime(moment: datetime) -> str:
    """``tirsdag 2. juni kl. 10.00`` (Copenhagen time)."""
    local = moment.astimezone(COPENHAGEN)
    return (
        f"{WEEKDAYS[local.weekday()]} {local.day}. {MONTHS[local.month - 1]} "
        f"kl. {local.hour:02d}.{local.minute:02d}"
    )


def _cancel_line(contact_phone: str) -> str:
    if contact_phone:
        return f"Kan du ikke komme, så ring på {contact_phone}."
    return "Kan du ikke komme, så giv os besked hurtigst muligt."


def reminder_sms(event: ReminderEvent, *, contact_phone: str = "") -> str:
    """E.g. "Påmindelse: Du har en aftale hos Genoptræningen, Sundhedshuset, tirsdag 2. juni
    kl. 10.00. Kan du ikke komme, så ring på 12 34 56 78." """
    place = ", ".join(p for p in (event.what, event.where) if p)
    return (
        f"Påmindelse: Du har en aftale hos {place}, {danish_datetime(event.start)}. "
        f"{_cancel_line(contact_phone)}"
    )


def reminder_email(event: ReminderEvent, *, contact_phone: str = "") -> tuple[str, str]:
    """(subject, body) of the e-mail reminder."""
    subject = f"Påmindelse om din aftale {danish_datetime(event.start)}"
    body = (
        f"{reminder_sms(event, contact_phone=contact_phone)}\n\n"
        "Denne e-mail er sendt automatisk og kan ikke besvares.\n"
    )
    return subject, body
