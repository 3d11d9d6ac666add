"""Record a measure or skip it, from the pathway page's measures panel.

Every view fetches the pathway through ``get_for_actor``: reading the forms and writing need
``EDIT_PLAN`` (therapists, nurses, coordinators, home-care and provider staff on their own
citizens); another municipality's pathway or a missing one answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from forlob.access.policy import Action
from forlob.access.services import get_for_actor
from forlob.core.forms import add_service_errors
from forlob.measures import selectors
from forlob.measures.forms import FORMS, MeasureForm, SkipForm
from forlob.measures.instruments import INSTRUMENTS, Instrument, copm
from forlob.measures.models import TimePoint
from forlob.measures.services import measure_record, measure_skip
from forlob.pathways.models import Pathway


def _resolve(instrument: str, time_point: str) -> tuple[Instrument, TimePoint]:
    """The instrument and time point named in the URL; 404 for anything else."""
    if instrument not in INSTRUMENTS or time_point not in TimePoint.values:
        raise Http404
    return INSTRUMENTS[instrument], TimePoint(time_point)


def _pathway(request: HttpRequest, pk: int, operation: str) -> Pathway:
    return get_for_actor(
        actor=request.user,
        queryset=Pathway.objects.select_related("citizen", "pathway_type"),
        pk=pk,
        operation=operation,
        action=Action.EDIT_PLAN,
    )


def _texts(instrument: Instrument) -> dict[str, str]:
    return selectors.texts_for(instrument.code, (get_language() or "da").split("-")[0])


def _initial(pathway: Pathway, instrument: Instrument, time_point: TimePoint) -> dict[str, object]:
    """A COPM re-assessment starts from the activities of the first assessment."""
    if instrument.code != copm.CODE or time_point == TimePoint.START:
        return {}
    initial: dict[str, object] = {}
    for row, activity in enumerate(selectors.copm_activities_to_reassess(pathway), 1):
        initial[copm.field_name("activity", row)] = activity["activity"]
        initial[copm.field_name("importance", row)] = activity["importance"]
    return initial


def _render_record(
    request: HttpRequest,
    pathway: Pathway,
    instrument: Instrument,
    time_point: TimePoint,
    form: MeasureForm,
    status: int = 200,
) -> HttpResponse:
    previous = [
        r
        for r in selectors.records_for(pathway)
        if r.instrument == instrument.code and not r.skipped
    ][:3]
    return render(
        request,
        "measures/record.html",
        {
            "pathway": pathway,
            "citizen": pathway.citizen,
            "instrument": instrument,
            "time_point": time_point,
            "form": form,
            "previous": previous,
        },
        status=status,
    )


@require_GET
def record_form(request: HttpRequest, pk: int, instrument: str, time_point: str) -> HttpResponse:
    definition, point = _resolve(instrument, time_point)
    pathway = _pathway(request, pk, "measure_form")
    form = FORMS[definition.code](
        initial=_initial(pathway, definition, point), texts=_texts(definition)
    )
    return _render_record(request, pathway, definition, point, form)


@require_POST
def record(request: HttpRequest, pk: int, instrument: str, time_point: str) -> HttpResponse:
    definition, point = _resolve(instrument, time_point)
    pathway = _pathway(request, pk, f"measure_record:{definition.code}")
    form = FORMS[definition.code](request.POST, texts=_texts(definition))
    if form.is_valid():
        try:
            measure_record(
                actor=request.user,
                pathway=pathway,
                instrument=definition.code,
                time_point=point,
                values=form.raw_values(),
                measured_on=form.cleaned_data["measured_on"],
            )
        except ValidationError as exc:
            form.add_instrument_errors(exc)
        else:
            messages.success(
                request,
                _("%(instrument)s (%(time_point)s) has been recorded.")
                % {"instrument": definition.name, "time_point": point.label},
            )
            return redirect("pathways:detail", pk=pathway.pk)
    # Re-show what was typed and why it was refused; nothing was saved.
    return _render_record(request, pathway, definition, point, form, status=422)


def _render_skip(
    request: HttpRequest,
    pathway: Pathway,
    instrument: Instrument,
    time_point: TimePoint,
    form: SkipForm,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "measures/skip.html",
        {
            "pathway": pathway,
            "citizen": pathway.citizen,
            "instrument": instrument,
            "time_point": time_point,
            "form": form,
        },
        status=status,
    )


@require_GET
def skip_form(request: HttpRequest, pk: int, instrument: str, time_point: str) -> HttpResponse:
    definition, point = _resolve(instrument, time_point)
    pathway = _pathway(request, pk, "measure_skip_form")
    return _render_skip(request, pathway, definition, point, SkipForm())


@require_POST
def skip(request: HttpRequest, pk: int, instrument: str, time_point: str) -> HttpResponse:
    definition, point = _resolve(instrument, time_point)
    pathway = _pathway(request, pk, f"measure_skip:{definition.code}")
    form = SkipForm(request.POST)
    if form.is_valid():
        try:
            measure_skip(
                actor=request.user,
                pathway=pathway,
                instrument=definition.code,
                time_point=point,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                measured_on=form.cleaned_data["measured_on"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(instrument)s (%(time_point)s) has been skipped.")
                % {"instrument": definition.name, "time_point": point.label},
            )
            return redirect("pathways:detail", pk=pathway.pk)
    return _render_skip(request, pathway, definition, point, form, status=422)
