"""The capacity page for managers: the next weeks, extra capacity, and the booking simulation.

Aggregates only (no citizen is named), so the page needs "see key figures" and writes no audit
rows. Opening and closing extra capacity is for managers and care coordinators
(``capacity_services.may_manage_capacity``); running the simulation also for analysts.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from forlob.access.policy import Action, can
from forlob.core.forms import add_service_errors, first_error
from forlob.core.models import User
from forlob.scheduling.capacity import DEFAULT_GROWTH, DEFAULT_WEEKS, capacity_overview
from forlob.scheduling.capacity_forms import ExtraCapacityForm
from forlob.scheduling.capacity_services import (
    extra_capacity_close,
    extra_capacity_open,
    may_manage_capacity,
)
from forlob.scheduling.models import ExtraCapacity, SimulationRun
from forlob.scheduling.simulation import DEFAULT_WEEKS as SIMULATION_WEEKS
from forlob.scheduling.simulation import simulation_run_create

GROWTH_LIMITS = (-50.0, 100.0)  # percent a year a manager may assume on the page


def may_run_simulation(user: User) -> bool:
    """The replay takes seconds of CPU: managers, coordinators and analysts, not every viewer."""
    return can(user, Action.RUN_SIMULATION)


def _growth(request: HttpRequest) -> float:
    """The growth assumption from ``?growth=`` in percent (comma or point), else the target."""
    raw = request.GET.get("growth", "").strip().replace(",", ".")
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_GROWTH
    if not GROWTH_LIMITS[0] <= value <= GROWTH_LIMITS[1]:
        return DEFAULT_GROWTH
    return value / 100


SIMULATION_ROWS = (
    ("actual", gettext_noop("As it happened")),
    ("greedy", gettext_noop("First come, first served")),
    ("optimiser", gettext_noop("Optimiser")),
    ("bound", gettext_noop("At most possible")),
)


def _simulation_rows(run: SimulationRun | None) -> list[dict[str, object]]:
    """The stored totals as table rows: rule, GOPs offered within 7 days, share in percent."""
    if run is None:
        return []
    rows = []
    for key, label in SIMULATION_ROWS:
        share = run.totals.get(f"{key}_share")
        rows.append(
            {
                "key": key,
                "label": _(label),
                "within": run.totals.get(key, 0),
                "percent": None if share is None else round(share * 100, 1),
            }
        )
    return rows


def _page(
    request: HttpRequest, *, form: ExtraCapacityForm | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    municipality = user.municipality
    today = timezone.localdate()
    growth = _growth(request)
    may_manage = may_manage_capacity(user)
    simulation = SimulationRun.objects.filter(municipality_id=user.municipality_id).first()
    if may_manage and form is None:
        form = ExtraCapacityForm(municipality_id=user.municipality_id)
    context = {
        "today": today,
        "growth_percent": round(growth * 100, 1),
        "weeks": capacity_overview(
            municipality=municipality, today=today, weeks=DEFAULT_WEEKS, growth=growth
        )
        if municipality is not None
        else [],
        "blocks": ExtraCapacity.objects.filter(
            staff__municipality_id=user.municipality_id, date__gte=today
        ).select_related("staff", "location", "created_by")
        if municipality is not None
        else ExtraCapacity.objects.none(),
        "may_manage": may_manage,
        "form": form if may_manage else None,
        "simulation": simulation,
        "simulation_rows": _simulation_rows(simulation),
        "simulation_per_week": [
            {**w, "monday": monday, "iso_week": monday.isocalendar().week}
            for w in (simulation.per_week if simulation else [])
            for monday in [date.fromisoformat(w["monday"])]
        ],
        "may_simulate": may_run_simulation(user),
        "simulation_weeks": SIMULATION_WEEKS,
    }
    return render(request, "scheduling/capacity.html", context, status=status)


@require_GET
def capacity(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Action.VIEW_AGGREGATES):
        raise PermissionDenied
    return _page(request)


@require_POST
def extra_capacity_new(request: HttpRequest) -> HttpResponse:
    if not may_manage_capacity(request.user):
        raise PermissionDenied
    form = ExtraCapacityForm(request.POST, municipality_id=request.user.municipality_id)
    if form.is_valid():
        data = form.cleaned_data
        try:
            block = extra_capacity_open(
                actor=request.user,
                staff=data["staff"],
                location=data["location"],
                day=data["date"],
                start_time=data["start_time"],
                end_time=data["end_time"],
                note=data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Extra capacity opened for %(staff)s on %(date)s.")
                % {"staff": block.staff, "date": f"{block.date:%d.%m.%Y}"},
            )
            return redirect("scheduling:capacity")
    # Re-show the page with what was typed and why it was refused; nothing was saved.
    return _page(request, form=form, status=422)


@require_POST
def extra_capacity_remove(request: HttpRequest, pk: int) -> HttpResponse:
    if not may_manage_capacity(request.user):
        raise PermissionDenied
    # Another municipality's block looks like no block at all.
    block = get_object_or_404(
        ExtraCapacity, pk=pk, staff__municipality_id=request.user.municipality_id
    )
    try:
        extra_capacity_close(actor=request.user, block=block)
    except ValidationError as exc:
        messages.error(request, first_error(exc))
    else:
        messages.success(request, _("The extra capacity has been closed."))
    return redirect("scheduling:capacity")


@require_POST
def simulation_run(request: HttpRequest) -> HttpResponse:
    if not may_run_simulation(request.user) or request.user.municipality is None:
        raise PermissionDenied
    run = simulation_run_create(municipality=request.user.municipality, actor=request.user)
    messages.success(
        request,
        _("The simulation has been run (%(seconds)s s).") % {"seconds": f"{run.seconds:.1f}"},
    )
    return redirect("scheduling:capacity")
