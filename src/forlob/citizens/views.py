from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forlob.access.policy import Action, can
from forlob.access.services import citizen_get_for_actor, get_for_actor
from forlob.citizens.forms import CitizenSearchForm, NoteForm
from forlob.citizens.models import Citizen
from forlob.citizens.selectors import citizen_search, citizen_timeline
from forlob.citizens.services import citizen_note_add
from forlob.core.forms import add_service_errors


@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    """Search by name or CPR. A POST, so a CPR number never lands in a URL or an access log."""
    if not can(request.user, Action.VIEW_CITIZEN):
        raise PermissionDenied
    form = CitizenSearchForm(request.POST or None)
    results = None
    if request.method == "POST" and form.is_valid():
        results = list(citizen_search(actor=request.user, query=form.cleaned_data["query"]))
    return render(request, "citizens/search.html", {"form": form, "results": results})


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
