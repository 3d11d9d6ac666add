from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from forlob.access.policy import Action, can
from forlob.access.services import get_for_actor
from forlob.core.forms import first_error
from forlob.core.panels import panels_for
from forlob.pathways.forms import AssignForm, TransitionForm
from forlob.pathways.models import Pathway, PathwayStatus
from forlob.pathways.services import (
    MANUAL_TRANSITIONS,
    allowed_transitions,
    pathway_assign,
    pathway_transition,
)
from forlob.scheduling.forms import BookingForm
from forlob.scheduling.selectors import free_slots, suggestion_not_before, therapists_for

APPOINTMENT_ACTION_LABELS = [
    ("attended", _lazy("Attended")),
    ("no_show", _lazy("Did not show up")),
    ("decline", _lazy("Citizen declined")),
    ("cancel", _lazy("Cancel")),
]


def get_pathway(
    request: HttpRequest, pk: int, operation: str, action: Action = Action.VIEW_RECORD
) -> Pathway:
    return get_for_actor(
        actor=request.user,
        queryset=Pathway.objects.select_related(
            "citizen",
            "referral",
            "pathway_type",
            "team",
            "responsible",
            "provider",
            "dropout_reason",
        ),
        pk=pk,
        operation=operation,
        action=action,
    )


def pathway_page(
    request: HttpRequest, pathway: Pathway, booking_form: BookingForm | None = None
) -> HttpResponse:
    """Render the pathway page; also used to re-show a booking form with its errors."""
    now = timezone.now()
    today = timezone.localdate()
    therapists = therapists_for(municipality_id=pathway.municipality_id)
    duration = pathway.pathway_type.first_appointment_minutes
    if booking_form is None:
        booking_form = BookingForm(
            therapists=therapists,
            municipality_id=pathway.municipality_id,
            initial={"staff": pathway.responsible_id, "duration_minutes": duration, "date": today},
        )
    suggestions = []
    if pathway.is_open and pathway.responsible is not None:
        last_day = max(pathway.offer_deadline or today, today) + timedelta(days=7)
        suggestions = free_slots(
            staff=pathway.responsible,
            first_day=today,
            last_day=last_day,
            duration_minutes=duration,
            default_location=booking_form.fields["location"].queryset.first(),
            not_before=suggestion_not_before(now),
            limit=8,
        )
    return render(
        request,
        "pathways/detail.html",
        {
            "pathway": pathway,
            "citizen": pathway.citizen,
            "today": today,
            "appointments": pathway.appointments.select_related("staff", "location").order_by(
                "start"
            ),
            "transitions": pathway.transitions.select_related("by", "dropout_reason"),
            "booking_form": booking_form,
            "suggestions": [
                {
                    "slot": s,
                    "within": pathway.offer_deadline is None
                    or timezone.localdate(s.start) <= pathway.offer_deadline,
                }
                for s in suggestions
            ],
            "duration": duration,
            "transition_form": TransitionForm(),
            "manual_transitions": [
                PathwayStatus(s)
                for s in MANUAL_TRANSITIONS
                if s in allowed_transitions(pathway.status)
            ],
            "assign_form": AssignForm(
                therapists=therapists,
                municipality_id=pathway.municipality_id,
                initial={
                    "responsible": pathway.responsible_id,
                    "team": pathway.team_id,
                    "provider": pathway.provider_id,
                },
            ),
            "may_manage": can(request.user, Action.MANAGE_PATHWAY),
            "may_book": can(request.user, Action.BOOK),
            "appointment_actions": APPOINTMENT_ACTION_LABELS,
            "panels": panels_for("pathway", request, pathway),
        },
    )


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return pathway_page(request, get_pathway(request, pk, "pathway_detail"))


@require_POST
def transition(request: HttpRequest, pk: int) -> HttpResponse:
    pathway = get_pathway(request, pk, "pathway_transition", Action.MANAGE_PATHWAY)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid status."))
        return redirect("pathways:detail", pk=pk)
    try:
        pathway_transition(
            actor=request.user,
            pathway=pathway,
            to_status=form.cleaned_data["to_status"],
            dropout_reason=form.cleaned_data["dropout_reason"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        messages.error(request, first_error(exc))
    else:
        messages.success(request, _("The status has been changed."))
    return redirect("pathways:detail", pk=pk)


@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    pathway = get_pathway(request, pk, "pathway_assign", Action.MANAGE_PATHWAY)
    form = AssignForm(
        request.POST,
        therapists=therapists_for(municipality_id=pathway.municipality_id),
        municipality_id=pathway.municipality_id,
    )
    if form.is_valid():
        pathway_assign(
            actor=request.user,
            pathway=pathway,
            responsible=form.cleaned_data["responsible"],
            team=form.cleaned_data["team"],
            provider=form.cleaned_data["provider"],
        )
        messages.success(request, _("The responsible therapist has been changed."))
    else:
        messages.error(request, _("Choose a therapist and a team from the lists."))
    return redirect("pathways:detail", pk=pk)
