"""Cluster pages: the data overview, the import, follow-up home visits and the audit list.

* Overview (``/cluster/``): aggregates only, for "see key figures"; no person is named.
* Import: "import hospital events" (analysts, care coordinators). The file's CPR numbers are
  used in memory only; errors name lines and columns, never values.
* Follow-up home visits: the municipality's discharges 78+, for roles that register referrals.
  A citizen's name is shown only when the citizen is in the user's scope (``citizens_in_scope``;
  a recent discharge is itself a relation, see ``apps.py``), and each name shown is an audited
  read. Other rows show age and sex only.
* Audit list: "record cross-sector audits"; the same rule for names.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forlob.access.models import AccessLog
from forlob.access.policy import Action, can, citizens_in_scope
from forlob.access.services import audit_reads, audit_record, get_for_actor
from forlob.cluster import selectors
from forlob.cluster.forms import (
    AuditCaseForm,
    AuditPeriodForm,
    FollowUpForm,
    ImportForm,
    OverviewFilterForm,
)
from forlob.cluster.importing import CSV_COLUMNS, CSV_HEADER
from forlob.cluster.models import ActivityCode, AuditCase, FollowUpVisit, ImportBatch
from forlob.cluster.services import (
    MESSAGE_IMPORT_REJECTED,
    audit_case_record,
    audit_sample_draw,
    follow_up_update,
    hospital_events_import,
)
from forlob.core.forms import add_service_errors
from forlob.core.models import Municipality, User
from forlob.core.xlsx import dated_filename, one_per_citizen, xlsx_response

MESSAGE_IMPORTED = gettext_noop(
    "Imported: %(created)d new, %(updated)d changed and %(unchanged)d unchanged events; "
    "%(follow_ups)d new follow-up home visits."
)
MESSAGE_SAVED = gettext_noop("Saved.")
MESSAGE_DRAWN = gettext_noop("The sample is drawn: %(count)d people.")


def _require(request: HttpRequest, action: Action) -> None:
    if not can(request.user, action):
        raise PermissionDenied


# --- overview -------------------------------------------------------------------------------------


def _bar(value: float | None, top: float) -> int:
    """Width of a bar in percent of the largest value shown (0 for none)."""
    if value is None or top <= 0:
        return 0
    return max(1, round(100 * value / top)) if value > 0 else 0


def _with_bars(overview: selectors.Overview) -> list[dict[str, object]]:
    months = overview.months
    top_discharges = max((r.discharges for r in months), default=0)
    top_rate = max((r.preventable_per_1000 or 0 for r in months), default=0)
    top_share = max((r.readmissions.value or 0 for r in months), default=0)
    return [
        {
            "row": r,
            "bar_discharges": _bar(r.discharges, top_discharges),
            "bar_rate": _bar(r.preventable_per_1000, top_rate),
            "bar_readmissions": _bar(r.readmissions.value, top_share),
        }
        for r in months
    ]


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    _require(request, Action.VIEW_AGGREGATES)
    actor: User = request.user  # type: ignore[assignment]
    today = timezone.localdate()
    municipalities = selectors.cluster_municipalities(include=actor.municipality_id)
    years = list(range(today.year, today.year - 6, -1))
    form = OverviewFilterForm(request.GET, municipalities=municipalities, years=years)
    data = form.cleaned_data if form.is_valid() else {}
    chosen = data.get("municipality") or actor.municipality_id
    municipality = next((m for m in municipalities if m.pk == chosen), None)
    year = data.get("year") or today.year
    sector = data.get("sector") or ""
    if municipality is not None:
        # Show what is shown: the form with the values in use (also after a bad value).
        form = OverviewFilterForm(
            {"municipality": municipality.pk, "year": year, "sector": sector},
            municipalities=municipalities,
            years=years,
        )
    context: dict[str, object] = {"form": form, "year": year, "sector": sector, "today": today}
    if municipality is not None:
        detail = selectors.municipality_overview(
            municipality=municipality, year=year, today=today, sector=sector
        )
        comparison = selectors.cluster_overview(
            year=year, today=today, sector=sector, include=actor.municipality_id
        )
        top_rate = max(
            (o.total.preventable_per_1000 or 0 for o in comparison if o.total), default=0
        )
        context.update(
            municipality=municipality,
            overview=detail,
            months=_with_bars(detail),
            comparison=[
                {"overview": o, "bar_rate": _bar(o.total.preventable_per_1000, top_rate)}
                for o in comparison
                if o.total is not None
            ],
            last_import=ImportBatch.objects.first(),
        )
    return render(request, "cluster/overview.html", context)


# --- import ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def import_events(request: HttpRequest) -> HttpResponse:
    _require(request, Action.IMPORT_HOSPITAL_DATA)
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = hospital_events_import(
                    actor=request.user,  # type: ignore[arg-type]
                    content=upload.read(),
                    filename=upload.name or "",
                )
            except ValidationError as exc:
                errors = exc.messages
                status = 422
            else:
                messages.success(
                    request,
                    _(MESSAGE_IMPORTED)
                    % {
                        "created": result.created,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                        "follow_ups": result.follow_ups,
                    },
                )
                return redirect("cluster:overview")
        else:
            status = 422
    return render(
        request,
        "cluster/import.html",
        {
            "form": form,
            "errors": errors,
            "rejected": _(MESSAGE_IMPORT_REJECTED) if errors else "",
            "columns": CSV_COLUMNS,
            "codes": ActivityCode.choices,
            "batches": ImportBatch.objects.select_related("imported_by")[:10],
        },
        status=status,
    )


TEMPLATE_ROWS = (
    ("RHR-2026-000101-A", "RHR-2026-000101", "admit-inpatient", "2026-03-02", "730",
     "0101401234", "somatic", "DJ189", "", "", ""),
    ("RHR-2026-000101-U", "RHR-2026-000101", "discharge-inpatient-home", "2026-03-06", "730",
     "0101401234", "somatic", "DJ189", "", "ja", "ja"),
)  # fmt: skip


@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    """A CSV template: the header and two example rows (a made-up, invalid-for-real CPR)."""
    _require(request, Action.IMPORT_HOSPITAL_DATA)
    lines = [";".join(CSV_HEADER), *(";".join(r) for r in TEMPLATE_ROWS)]
    response = HttpResponse(
        "\ufeff" + "\r\n".join(lines) + "\r\n", content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="hospitalshaendelser-skabelon.csv"'
    return response


# --- follow-up home visits ------------------------------------------------------------------------


def _month(request: HttpRequest, today: date) -> date:
    raw = request.GET.get("month", "")
    try:
        year, month = (int(x) for x in raw.split("-"))
        return date(year, month, 1) if 2000 <= year <= 2100 else today.replace(day=1)
    except ValueError:
        return today.replace(day=1)


def _in_scope(actor: User, citizen_ids: Iterable[int | None]) -> set[int]:
    """Which of these citizens the actor has a care relation to (the ones shown by name)."""
    return set(
        citizens_in_scope(actor)
        .filter(pk__in=[pk for pk in citizen_ids if pk])
        .values_list("pk", flat=True)
    )


def _follow_up_rows(actor: User, visits: list[FollowUpVisit]) -> list[dict[str, object]]:
    scope = _in_scope(actor, (v.citizen_id for v in visits))
    named = [v for v in visits if v.citizen_id in scope]
    audit_reads(actor=actor, operation="follow_up_list", objects=named)
    return [
        {
            "visit": v,
            "named": v.citizen_id in scope,
            "form": FollowUpForm(
                initial=FollowUpForm.initial_for(v), prefix=f"v{v.pk}", form_id=f"fu-{v.pk}"
            ),
        }
        for v in visits
    ]


def _follow_up_selection(request: HttpRequest) -> tuple[date, str, list[FollowUpVisit]]:
    """The month, the status filter and the follow-up rows of this request: the page and its
    Excel download."""
    _require(request, Action.REGISTER_REFERRAL)
    actor: User = request.user  # type: ignore[assignment]
    month = _month(request, timezone.localdate())
    status = request.GET.get("status", "all")
    status = status if status in selectors.FOLLOW_UP_FILTERS else "all"
    visits = (
        selectors.follow_up_visits(
            municipality_id=actor.municipality_id, month_start=month, status=status
        )
        if actor.municipality_id
        else []
    )
    return month, status, visits


@require_GET
def follow_ups(request: HttpRequest) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    today = timezone.localdate()
    month, status, visits = _follow_up_selection(request)
    counts = (
        selectors.follow_up_counts(
            municipality_id=actor.municipality_id,
            start=month,
            end=selectors.next_month(month),
        ).get(month)
        if actor.municipality_id
        else None
    ) or selectors.FollowUpCounts()
    previous = (month.replace(day=1) - timedelta(days=1)).replace(day=1)
    return render(
        request,
        "cluster/follow_ups.html",
        {
            "rows": _follow_up_rows(actor, visits),
            "month": month,
            "previous": previous,
            "next": selectors.next_month(month) if selectors.next_month(month) <= today else None,
            "status": status,
            "counts": counts,
            "xlsx_query": urlencode({"month": f"{month:%Y-%m}", "status": status}),
        },
    )


def _yes_no(value: bool | None) -> str:
    return "" if value is None else (_("Yes") if value else _("No"))


def _unnamed(citizen_id: int | None) -> str:
    """What the page shows instead of a name (as on the follow-up list)."""
    if citizen_id:
        return _("Citizen outside your relations")
    return _("Not registered as a citizen here")


@require_GET
def follow_ups_xlsx(request: HttpRequest) -> FileResponse:
    """The follow-up list as an Excel workbook: names and masked CPR numbers only for citizens in
    the user's scope (each an audited read), age and sex for everyone, as on the page."""
    actor: User = request.user  # type: ignore[assignment]
    month, _status, visits = _follow_up_selection(request)
    scope = _in_scope(actor, (v.citizen_id for v in visits))
    audit_reads(
        actor=actor,
        operation="export_follow_up_list",
        objects=one_per_citizen(v for v in visits if v.citizen_id in scope),
    )
    return xlsx_response(
        dated_filename(f"opfoelgende-hjemmebesoeg-{month:%Y-%m}", timezone.localdate()),
        _("Follow-up home visits"),
        [
            _("Citizen"),
            _("CPR number"),
            _("Age"),
            _("Sex"),
            _("Discharged"),
            _("Screened"),
            _("Consent"),
            _("Visit agreed"),
            _("Visit done"),
        ],
        (
            [
                v.citizen.full_name if v.citizen_id in scope else _unnamed(v.citizen_id),
                v.citizen.cpr_masked if v.citizen_id in scope else "",
                v.discharge.age,
                v.discharge.get_sex_display(),
                v.discharge.event_date,
                _yes_no(v.screened),
                _yes_no(v.consent),
                v.visit_agreed_on,
                v.visit_done_on,
            ]
            for v in visits
        ),
        notes=[formats.date_format(month, "F Y").capitalize()],
        column_widths=(30, 13, 6, 8, 12, 9, 9, 12, 12),
    )


def _follow_up_for_actor(request: HttpRequest, pk: int, operation: str) -> FollowUpVisit:
    """A follow-up row the actor may change: in the actor's municipality and, when it names a
    citizen, through the access check (404 outside scope, audited)."""
    actor: User = request.user  # type: ignore[assignment]
    visit = (
        FollowUpVisit.objects.select_related("discharge")
        .filter(pk=pk, municipality_id=actor.municipality_id)
        .first()
    )
    if visit is None or visit.citizen_id is not None:
        return get_for_actor(
            actor=actor,
            queryset=FollowUpVisit.objects.select_related("discharge", "citizen"),
            pk=pk,
            operation=operation,
            action=Action.REGISTER_REFERRAL,
        )
    if not can(actor, Action.REGISTER_REFERRAL):
        raise Http404
    return visit


@require_POST
def follow_up_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    if not can(actor, Action.VIEW_CITIZEN):
        # Roles without citizen records answer as for a missing row (and it is logged).
        audit_record(
            actor=actor,
            kind=AccessLog.Kind.READ,
            operation="follow_up_update",
            outcome=AccessLog.Outcome.DENIED,
            reason="role may not view citizens",
        )
        raise Http404
    visit = _follow_up_for_actor(request, pk, "follow_up_update")
    form = FollowUpForm(request.POST, prefix=f"v{visit.pk}", form_id=f"fu-{visit.pk}")
    ok = form.is_valid()
    if ok:
        try:
            follow_up_update(actor=actor, visit=visit, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            ok = False
    named = visit.citizen_id is not None
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request,
            "cluster/_follow_up_row.html",
            {"row": {"visit": visit, "named": named, "form": form}, "saved": ok},
            status=200 if ok else 422,
        )
    if ok:
        messages.success(request, _(MESSAGE_SAVED))
    else:
        for field_errors in form.errors.values():
            for error in field_errors:
                messages.error(request, error)
    month = visit.discharge.event_date.replace(day=1)
    return redirect(f"{reverse('cluster:follow_ups')}?month={month:%Y-%m}#v{visit.pk}")


# --- audit ----------------------------------------------------------------------------------------


def _last_full_quarter(today: date) -> date:
    current = selectors.quarter_start(today)
    return selectors.quarter_start(current - timedelta(days=1))


def _quarter_label(start: date) -> str:
    return f"{start.year}-{(start.month - 1) // 3 + 1}"


def _audit_selection(request: HttpRequest) -> dict[str, Any]:
    """The quarter, the drawn cases and which of them the user may see by name: the page and
    its Excel download."""
    _require(request, Action.RECORD_AUDIT)
    actor: User = request.user  # type: ignore[assignment]
    today = timezone.localdate()
    form = AuditPeriodForm(request.GET)
    form.is_valid()
    period = form.period_start(_last_full_quarter(today))
    preventable_only = bool(form.cleaned_data.get("preventable_only"))
    cases: list[AuditCase] = []
    candidates = 0
    if actor.municipality_id:
        cases = selectors.audit_cases(
            municipality_id=actor.municipality_id,
            period_start=period,
            preventable_only=preventable_only,
        )
        candidates = len(
            selectors.audit_candidates(
                municipality_id=actor.municipality_id,
                period_start=period,
                preventable_only=preventable_only,
            )
        )
    return {
        "cases": cases,
        "scope": _in_scope(actor, (c.citizen_id for c in cases)),
        "period": period,
        "preventable_only": preventable_only,
        "candidates": candidates,
    }


@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    data = _audit_selection(request)
    cases, scope, period = data["cases"], data["scope"], data["period"]
    audit_reads(
        actor=actor, operation="audit_list", objects=[c for c in cases if c.citizen_id in scope]
    )
    quarters = []
    q = selectors.quarter_start(timezone.localdate())
    for _i in range(8):
        quarters.append((_quarter_label(q), q))
        q = selectors.quarter_start(q - timedelta(days=1))
    return render(
        request,
        "cluster/audit_list.html",
        {
            "rows": [{"case": c, "named": c.citizen_id in scope} for c in cases],
            "period": period,
            "period_end": selectors.quarter_end(period) - timedelta(days=1),
            "quarter": _quarter_label(period),
            "quarters": quarters,
            "preventable_only": data["preventable_only"],
            "candidates": data["candidates"],
            "sample_size": 5,
        },
    )


@require_GET
def audit_list_xlsx(request: HttpRequest) -> FileResponse:
    """The drawn audit cases as an Excel workbook: names only for citizens in the user's scope
    (each an audited read), as on the page."""
    actor: User = request.user  # type: ignore[assignment]
    data = _audit_selection(request)
    cases, scope, period = data["cases"], data["scope"], data["period"]
    audit_reads(
        actor=actor,
        operation="export_audit_list",
        objects=one_per_citizen(c for c in cases if c.citizen_id in scope),
    )
    last_day = selectors.quarter_end(period) - timedelta(days=1)
    notes = [
        f"{formats.date_format(period, 'j. F Y')} – {formats.date_format(last_day, 'j. F Y')}",
        _("Only admissions with a preventable diagnosis") if data["preventable_only"] else "",
    ]
    return xlsx_response(
        dated_filename(f"audit-{_quarter_label(period)}", timezone.localdate()),
        _("Cross-sector audit"),
        [
            _("Audit case"),
            _("Citizen"),
            _("CPR number"),
            _("Age"),
            _("Sex"),
            _("Admissions"),
            _("Improvement themes"),
            _("Recorded"),
        ],
        (
            [
                c.label,
                c.citizen.full_name if c.citizen_id in scope else "",
                c.citizen.cpr_masked if c.citizen_id in scope else "",
                c.age,
                c.get_sex_display(),
                c.admissions,
                ", ".join(t.name for t in c.themes.all()),
                c.recorded_at,
            ]
            for c in cases
        ),
        notes=notes,
        column_widths=(16, 26, 13, 6, 8, 10, 50, 17),
    )


@require_POST
def audit_draw(request: HttpRequest) -> HttpResponse:
    _require(request, Action.RECORD_AUDIT)
    actor: User = request.user  # type: ignore[assignment]
    form = AuditPeriodForm(request.POST)
    form.is_valid()
    today = timezone.localdate()
    period = form.period_start(_last_full_quarter(today))
    preventable_only = bool(form.cleaned_data.get("preventable_only"))
    try:
        cases = audit_sample_draw(
            actor=actor, period_start=period, preventable_only=preventable_only
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _(MESSAGE_DRAWN) % {"count": len(cases)})
    query = f"quarter={_quarter_label(period)}" + (
        "&preventable_only=on" if preventable_only else ""
    )
    return redirect(f"{reverse('cluster:audit')}?{query}")


def _audit_case_for_actor(actor: User, pk: int) -> AuditCase:
    """A case of the actor's own municipality, else 404 (as a missing one)."""
    case = (
        AuditCase.objects.select_related("citizen", "recorded_by")
        .filter(pk=pk, municipality_id=actor.municipality_id)
        .first()
    )
    if case is None:
        audit_record(
            actor=actor,
            kind=AccessLog.Kind.READ,
            operation="audit_case",
            outcome=AccessLog.Outcome.DENIED,
            reason="no such audit case in the user's municipality",
        )
        raise Http404
    return case


@require_http_methods(["GET", "POST"])
def audit_case(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Action.RECORD_AUDIT)
    actor: User = request.user  # type: ignore[assignment]
    case = _audit_case_for_actor(actor, pk)
    named = (
        case.citizen_id is not None and citizens_in_scope(actor).filter(pk=case.citizen_id).exists()
    )
    initial = {"themes": list(case.themes.all()), "findings": case.findings}
    form = AuditCaseForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                audit_case_record(
                    actor=actor,
                    case=case,
                    themes=list(form.cleaned_data["themes"]),
                    findings=form.cleaned_data["findings"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _(MESSAGE_SAVED))
                query = f"quarter={_quarter_label(case.period_start)}" + (
                    "&preventable_only=on" if case.preventable_only else ""
                )
                return redirect(f"{reverse('cluster:audit')}?{query}")
        status = 422
    if named:
        audit_record(
            actor=actor,
            kind=AccessLog.Kind.READ,
            operation="audit_case",
            citizen_id=case.citizen_id,
            obj=case,
        )
    return render(
        request,
        "cluster/audit_case.html",
        {
            "case": case,
            "named": named,
            "events": selectors.audit_case_events(case),
            "form": form,
            "quarter": _quarter_label(case.period_start),
            "municipality": Municipality.objects.filter(pk=case.municipality_id).first(),
        },
        status=status,
    )
