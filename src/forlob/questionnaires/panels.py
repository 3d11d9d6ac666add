"""The "Questionnaires" section on the citizen page and the pathway page.

Shows the citizen's health-literacy level, the invitations (sent, opened, answered, expired),
the health-literacy answers, and the forms to send a link or start the tablet. Satisfaction
answers are not shown per citizen: they are reported in aggregate only (tracking page), so a
citizen can answer frankly about the people who treat them.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from forlob.access.policy import Action, can
from forlob.citizens.models import Citizen, HealthLiteracy
from forlob.core.panels import Panel
from forlob.questionnaires.forms import InviteForm
from forlob.questionnaires.models import Delivery, Invitation, Purpose
from forlob.questionnaires.selectors import (
    invitations_of_citizen,
    questionnaires_sendable,
    response_answers,
)

# The link made with "show the link here" waits in the staff member's session until the page
# shows it, once.
NEW_LINK_SESSION_KEY = "questionnaires:new_link:%d"


def _state(invitation: Invitation, now: object) -> tuple[str, str]:
    if invitation.answered_at is not None:
        return "answered", _("Answered")
    if invitation.expires_at <= now:
        return "expired", _("Expired")
    if invitation.opened_at is not None:
        return "opened", _("Opened")
    return "sent", _("Sent")


def _rows(invitations: list[Invitation]) -> list[dict[str, Any]]:
    now = timezone.now()
    rows = []
    for invitation in invitations:
        state, label = _state(invitation, now)
        response = getattr(invitation, "response", None)
        purpose = invitation.version.questionnaire.purpose
        row: dict[str, Any] = {
            "invitation": invitation,
            "state": state,
            "state_label": label,
            "result": "",
            "answers": [],
        }
        if response is not None and response.submitted_at and purpose != Purpose.SATISFACTION:
            if response.result in HealthLiteracy.values:
                row["result"] = HealthLiteracy(response.result).label
            row["answers"] = response_answers(response)
            row["scores"] = sorted((response.scores or {}).get("domains", {}).items())
        rows.append(row)
    return rows


def _panel(request: HttpRequest, citizen: Citizen, pathway: Any = None) -> Panel | None:
    if not can(request.user, Action.VIEW_CITIZEN):
        return None
    may_send = can(request.user, Action.MANAGE_PATHWAY)
    form = InviteForm(
        questionnaires=questionnaires_sendable(municipality_id=citizen.municipality_id),
        initial={
            "pathway": pathway.pk if pathway is not None else None,
            "delivery": Delivery.SMS if citizen.phone else Delivery.HANDED,
        },
    )
    new_link = request.session.pop(NEW_LINK_SESSION_KEY % citizen.pk, "")
    return Panel(
        "questionnaires/_panel.html",
        {
            "citizen": citizen,
            "pathway": pathway,
            "rows": _rows(
                invitations_of_citizen(
                    citizen_id=citizen.pk, pathway_id=pathway.pk if pathway else None
                )
            ),
            "form": form,
            "may_send": may_send and form.fields["questionnaire"].queryset.exists(),
            "new_link": new_link,
        },
        order=60,
    )


def citizen_panel(request: HttpRequest, citizen: Citizen) -> Panel | None:
    return _panel(request, citizen)


def pathway_panel(request: HttpRequest, pathway: Any) -> Panel | None:
    return _panel(request, pathway.citizen, pathway)
