"""The reminders section of the citizen page (registered in ``apps.py``)."""

from __future__ import annotations

from django.http import HttpRequest

from forlob.access.policy import Action, can
from forlob.citizens.models import Citizen
from forlob.core.panels import Panel
from forlob.notifications import rules
from forlob.notifications.forms import OptOutForm
from forlob.notifications.selectors import citizen_messages


def citizen_panel(request: HttpRequest, citizen: Citizen) -> Panel | None:
    """Recent messages with their status (failures first to the eye), retry, opt-out."""
    if not can(request.user, Action.VIEW_CITIZEN):
        return None
    recent = citizen_messages(citizen=citizen)
    return Panel(
        template="notifications/_citizen_panel.html",
        context={
            "citizen": citizen,
            "messages": recent,
            "failed": sum(1 for m in recent if m.is_failed),
            "may_change": can(request.user, Action.BOOK),
            "opt_out_form": OptOutForm(
                initial={
                    "sms_opt_out": citizen.sms_opt_out,
                    "email_opt_out": citizen.email_opt_out,
                }
            ),
            "sms_possible": rules.msisdn(citizen.phone) is not None,
            "has_email": bool(citizen.email),
        },
        order=60,
    )
