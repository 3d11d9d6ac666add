from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forlob.access.models import AccessLog
from forlob.access.policy import Action, can, may_break_glass
from forlob.access.services import (
    audit_reads,
    audit_record,
    break_glass,
    citizen_get_for_actor,
    get_for_actor,
)
from forlob.citizens.forms import BreakGlassForm, CitizenSearchForm, NoteForm
from forlob.citizens.models import Citizen
from forlob.citizens.selectors import citizen_outside_relations, citizen_search, citizen_timeline
from forlob.citizens.services import citizen_note_add
from forlob.core.forms import add_service_errors
from forlob.core.panels import panels_for


@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    """Search by name or CPR. A POST, so a CPR number never lands in a URL or an access log."""
    if not can(request.user, Action.VIEW_RECORD):
        raise PermissionDenied
    form = CitizenSearchForm(request.POST or None)
    results = None
    outside = None
    if request.method == "POST" and form.is_valid():
        query = form.cleaned_data["query"]
        results = list(citizen_search(actor=request.user, query=query))
        audit_reads(actor=request.user, operation="citizen_search_result", objects=results)
        outside = citizen_outside_relations(actor=request.user, query=query)
    return render(
        request,
        "citizens/search.html",
        {
            "form": form,
            "results": results,
            "outside": outside,
            "break_glass_form": BreakGlassForm(),
        },
    )


@require_POST
def emergency_access(request: HttpRequest, pk: int) -> HttpResponse:
    """Break the glass: open a record outside one's relations, with a reason that is reviewed.

    The form sits on the search page next to a citizen found by exact CPR number; an invalid
    reason re-shows it here with what was typed. Refusals look like a missing citizen (404).
    """
    citizen = Citizen.objects.filter(pk=pk).first()
    form = BreakGlassForm(request.POST)
    if citizen is not None and form.is_valid():
        try:
            break_glass(actor=request.user, citizen=citizen, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.warning(
                request,
                _("Emergency access is open for %(hours)d hours and will be reviewed.")
                % {"hours": settings.FORLOB_BREAK_GLASS_HOURS},
            )
            return redirect("citizens:detail", pk=pk)
    if citizen is None or not may_break_glass(request.user, citizen):
        audit_record(
            actor=request.user,
            kind=AccessLog.Kind.READ,
            operation="break_glass",
            outcome=AccessLog.Outcome.DENIED,
            citizen=citizen,
            reason="not allowed to break the glass" if citizen else "no such object",
        )
        raise Http404
    return render(request, "citizens/emergency_access.html", {"form": form, "pk": pk}, status=422)


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    citizen = citizen_get_for_actor(actor=request.user, citizen_id=pk, operation="citizen_detail")
    return render(
        request,
        "citizens/detail.html",
        {
            "citizen": citizen,
            "timeline": citizen_timeline(citizen=citizen),
            "pathways": citizen.pathways.select_related("pathway_type", "responsible").order_by(
                "-created_at"
            ),
            "note_form": NoteForm(),
            "may_manage": can(request.user, Action.MANAGE_PATHWAY),
            "panels": panels_for("citizen", request, citizen),
        },
    )


@require_POST
def add_note(request: HttpRequest, pk: int) -> HttpResponse:
    citizen = get_for_actor(
        actor=request.user,
        queryset=Citizen.objects.all(),
        pk=pk,
        operation="citizen_note_add",
        action=Action.MANAGE_PATHWAY,
        citizen_field="",
    )
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            citizen_note_add(actor=request.user, citizen=citizen, text=form.cleaned_data["text"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The note has been saved."))
            return redirect("citizens:detail", pk=pk)
    messages.error(request, _("Write a note first."))
    return redirect("citizens:detail", pk=pk)
