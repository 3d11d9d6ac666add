from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from forlob.access.policy import Action, can
from forlob.access.services import audit_reads, get_for_actor
from forlob.core.choices import DiagnosisArea
from forlob.core.forms import add_service_errors, first_error
from forlob.core.xlsx import dated_filename, one_per_citizen, xlsx_response
from forlob.pathways.forms import AssignForm
from forlob.pathways.services import pathway_create_from_referral
from forlob.referrals import selectors
from forlob.referrals.forms import PreferencesForm, ReferralForm, RejectForm
from forlob.referrals.models import Referral, ReferralType
from forlob.referrals.services import (
    MESSAGE_CPR_ELSEWHERE,  # noqa: F401 (tests import it here)
    referral_register_by_cpr,
    referral_reject,
    referral_set_preferences,
)
from forlob.scheduling.selectors import therapists_for


def _require(request: HttpRequest, action: Action) -> None:
    if not can(request.user, action):
        raise PermissionDenied


def _get_referral(
    request: HttpRequest, pk: int, operation: str, action: Action = Action.VIEW_RECORD
) -> Referral:
    return get_for_actor(
        actor=request.user,
        queryset=Referral.objects.select_related("citizen", "referral_type", "team"),
        pk=pk,
        operation=operation,
        action=action,
    )


def _inbox_row(referral: Referral, today: date) -> dict[str, object]:
    days_left = referral.days_left(today)
    overdue_days = -days_left if days_left is not None and days_left < 0 else 0
    if overdue_days:
        urgency = "overdue"
    elif days_left is not None and days_left <= 2:
        urgency = "soon"
    else:
        urgency = ""
    return {
        "referral": referral,
        "days_left": days_left,
        "overdue_days": overdue_days,
        "urgency": urgency,
    }


def _inbox_selection(request: HttpRequest) -> tuple[list[Referral], str, str]:
    """The referrals the inbox shows for this request (the page and its Excel download)."""
    _require(request, Action.VIEW_RECORD)
    referral_type = request.GET.get("type", "")
    area = request.GET.get("area", "")
    referrals = list(
        selectors.referral_inbox(
            actor=request.user, referral_type=referral_type, diagnosis_area=area
        )
    )
    return referrals, referral_type, area


@require_http_methods(["GET"])
def inbox(request: HttpRequest) -> HttpResponse:
    referrals, referral_type, area = _inbox_selection(request)
    today = timezone.localdate()
    # Each referral listed names a citizen: a read the citizen can later see in the insight report.
    audit_reads(actor=request.user, operation="referral_inbox", objects=referrals)
    rows = [_inbox_row(r, today) for r in referrals]
    return render(
        request,
        "referrals/inbox.html",
        {
            "rows": rows,
            "today": today,
            "types": ReferralType.objects.filter(is_active=True),
            "areas": DiagnosisArea.choices,
            "selected_type": referral_type,
            "selected_area": area,
        },
    )


@require_http_methods(["GET"])
def inbox_xlsx(request: HttpRequest) -> FileResponse:
    """The inbox as an Excel workbook: the same referrals, filters and masked CPR numbers."""
    referrals, referral_type, area = _inbox_selection(request)
    today = timezone.localdate()
    audit_reads(
        actor=request.user, operation="export_referral_inbox", objects=one_per_citizen(referrals)
    )
    chosen = (
        [t.name for t in ReferralType.objects.filter(code=referral_type)] if referral_type else []
    )
    if area in DiagnosisArea.values:
        chosen.append(str(DiagnosisArea(area).label))
    return xlsx_response(
        dated_filename("henvisninger"),
        _("Intake inbox"),
        [
            _("Citizen"),
            _("CPR number"),
            _("Type"),
            _("Level / area"),
            _("Received"),
            _("The plan arrived after discharge"),
            _("Discharged"),
            _("Offer deadline"),
            _("Days left"),
        ],
        (
            [
                r.citizen.full_name,
                r.citizen.cpr_masked,  # as on the page: never the full number
                r.referral_type.name,
                r.subtype_display,
                r.received_date,
                _("Yes") if r.arrived_after_discharge else "",
                r.discharge_date,
                r.offer_deadline,
                r.days_left(today),
            ]
            for r in referrals
        ),
        notes=[", ".join(chosen)],
        column_widths=(26, 13, 22, 22, 12, 12, 12, 14, 10),
    )


@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    _require(request, Action.REGISTER_REFERRAL)
    actor = request.user
    initial = {"received_date": timezone.localdate()}
    form = ReferralForm(
        request.POST or None, initial=initial, municipality_id=actor.municipality_id
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = referral_register_by_cpr(
                actor=actor,
                cpr=data["cpr"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
                referral_type=data["referral_type"],
                received_date=data["received_date"],
                today=timezone.localdate(),
                sender=data["sender"],
                team=data["team"],
                diagnosis_text=data["diagnosis_text"],
                note=data["note"],
                **{f: data[f] for f in ReferralForm.type_specific},
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The referral has been registered."))
            return redirect("referrals:detail", pk=referral.pk)
    return render(request, "referrals/create.html", {"form": form})


@require_http_methods(["GET"])
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _get_referral(request, pk, "referral_detail")
    therapists = therapists_for(municipality_id=referral.municipality_id)
    return render(
        request,
        "referrals/detail.html",
        {
            "referral": referral,
            "today": timezone.localdate(),
            "days_left": referral.days_left(timezone.localdate()),
            "assign_form": AssignForm(
                therapists=therapists,
                municipality_id=referral.municipality_id,
                initial={"team": referral.team_id},
            ),
            "reject_form": RejectForm(),
            "preferences_form": PreferencesForm(
                municipality_id=referral.municipality_id,
                initial={
                    "preferred_location": referral.preferred_location_id,
                    "unavailable_weekdays": sorted(referral.unavailable_weekday_set),
                },
            ),
            "pathway": getattr(referral, "pathway", None)
            if referral.status == Referral.Status.ACCEPTED
            else None,
            "may_manage": can(request.user, Action.MANAGE_PATHWAY),
        },
    )


@require_POST
def create_pathway(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _get_referral(request, pk, "pathway_create", Action.MANAGE_PATHWAY)
    form = AssignForm(
        request.POST,
        therapists=therapists_for(municipality_id=referral.municipality_id),
        municipality_id=referral.municipality_id,
    )
    if not form.is_valid():
        messages.error(request, _("Choose a therapist and a team from the lists."))
        return redirect("referrals:detail", pk=pk)
    try:
        pathway = pathway_create_from_referral(
            actor=request.user,
            referral=referral,
            responsible=form.cleaned_data["responsible"],
            team=form.cleaned_data["team"],
        )
    except ValidationError as exc:
        messages.error(request, first_error(exc))
        return redirect("referrals:detail", pk=pk)
    messages.success(request, _("The pathway has been created. Book the first appointment."))
    return redirect("pathways:detail", pk=pathway.pk)


@require_POST
def preferences(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _get_referral(request, pk, "referral_preferences", Action.MANAGE_PATHWAY)
    form = PreferencesForm(request.POST, municipality_id=referral.municipality_id)
    if not form.is_valid():
        messages.error(request, first_error(ValidationError(form.errors)))
        return redirect("referrals:detail", pk=pk)
    referral_set_preferences(
        actor=request.user,
        referral=referral,
        preferred_location=form.cleaned_data["preferred_location"],
        unavailable_weekdays=form.cleaned_data["unavailable_weekdays"],
    )
    messages.success(request, _("The citizen's wishes have been saved."))
    return redirect("referrals:detail", pk=pk)


@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _get_referral(request, pk, "referral_reject", Action.MANAGE_PATHWAY)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a reason."))
        return redirect("referrals:detail", pk=pk)
    try:
        referral_reject(actor=request.user, referral=referral, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, first_error(exc))
        return redirect("referrals:detail", pk=pk)
    messages.success(request, _("The referral has been closed."))
    return redirect("referrals:inbox")
