""" "Propose times": run the optimiser over the inbox, review the plan, accept one or all."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from forlob.access.policy import Action, can
from forlob.access.services import audit_reads, get_for_actor
from forlob.core.choices import DiagnosisArea
from forlob.core.forms import first_error
from forlob.scheduling.models import BookingProposal, ProposalRun
from forlob.scheduling.proposals import (
    proposal_accept,
    proposals_accept_all,
    proposals_create,
    reason_texts,
)

LEVEL_NAMES = {1: "basal", 2: "advanced", 3: "specialised"}


def _require_booking(request: HttpRequest) -> None:
    if not (can(request.user, Action.BOOK) and can(request.user, Action.MANAGE_PATHWAY)):
        raise PermissionDenied


def _own_run(request: HttpRequest, pk: int) -> ProposalRun:
    """A run is the coordinator's own working plan; anyone else's answers 404."""
    run = ProposalRun.objects.filter(pk=pk, created_by=request.user).first()
    if run is None:
        raise Http404
    return run


@require_POST
def propose(request: HttpRequest) -> HttpResponse:
    _require_booking(request)
    try:
        run = proposals_create(actor=request.user)
    except ValidationError as exc:
        messages.info(request, first_error(exc))
        return redirect("referrals:inbox")
    return redirect("scheduling:proposals", pk=run.pk)


@require_GET
def proposals(request: HttpRequest, pk: int) -> HttpResponse:
    _require_booking(request)
    run = _own_run(request, pk)
    items = list(
        run.proposals.select_related(
            "referral__referral_type", "citizen", "staff", "location"
        ).order_by("status", "start", "pk")
    )
    audit_reads(actor=request.user, operation="booking_proposals", objects=items)
    late = [p for p in items if not p.within_deadline and p.referral.offer_deadline]
    areas = dict(DiagnosisArea.choices)
    return render(
        request,
        "scheduling/proposals.html",
        {
            "run": run,
            "rows": [{"p": p, "reasons": reason_texts(p)} for p in items],
            "late": late,
            "open": sum(1 for p in items if p.status == BookingProposal.Status.PROPOSED),
            "shortfall": [
                {
                    **s,
                    "area_label": areas.get(s["area"], s["area"] or "—"),
                    "level_label": LEVEL_NAMES.get(s["level"], ""),
                }
                for s in run.shortfall
            ],
        },
    )


@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    _require_booking(request)
    proposal = get_for_actor(
        actor=request.user,
        queryset=BookingProposal.objects.filter(run__created_by=request.user).select_related(
            "staff__team", "location", "run"
        ),
        pk=pk,
        operation="proposal_accept",
        action=Action.BOOK,
    )
    proposal = proposal_accept(actor=request.user, proposal=proposal)
    if proposal.status == BookingProposal.Status.ACCEPTED:
        messages.success(request, _("The time has been booked."))
    else:
        messages.error(request, proposal.error or _("The time could not be booked."))
    return redirect("scheduling:proposals", pk=proposal.run_id)


@require_POST
def accept_all(request: HttpRequest, pk: int) -> HttpResponse:
    _require_booking(request)
    run = _own_run(request, pk)
    outcome = proposals_accept_all(actor=request.user, run=run)
    booked = outcome[BookingProposal.Status.ACCEPTED]
    failed = outcome[BookingProposal.Status.FAILED]
    messages.success(request, _("%(n)d times booked.") % {"n": booked})
    if failed:
        messages.error(
            request, _("%(n)d could not be booked; see the reason on each row.") % {"n": failed}
        )
    return redirect("scheduling:proposals", pk=run.pk)
