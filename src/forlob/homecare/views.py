"""Pages of everyday rehabilitation, in the order of the flow. Thin: forms check shape,
services apply the rules, ``homecare/access.py`` + ``forlob.access`` decide who sees what.

Every page that shows one case fetches it once through ``get_case`` (one audit row); a POST
that fails re-renders its page with what was typed and status 422, nothing saved.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forlob.access.policy import Action, can
from forlob.access.services import audit_reads
from forlob.core.forms import add_service_errors, first_error
from forlob.core.xlsx import dated_filename, one_per_citizen, xlsx_response
from forlob.homecare import selectors, services
from forlob.homecare.access import get_case, get_visit, is_provider_staff, may_see_assessment
from forlob.homecare.forms import (
    ActionForm,
    ActionRefForm,
    ApplicationForm,
    AssessmentForm,
    DrivingListForm,
    EndForm,
    GoalForm,
    GoalRefForm,
    GrantForm,
    MidwayForm,
    PeriodForm,
    ProviderChoiceForm,
    StartMeetingForm,
    WeeklyEvaluationForm,
    line_formset,
)
from forlob.homecare.models import (
    Goal,
    Grant,
    HomecareSettings,
    Outcome,
    Performer,
    ProfessionalEvaluation,
    Progress,
    RehabCase,
    ResponsibleProfession,
    ServiceLine,
    Stage,
)
from forlob.measures import fsiii


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(request, template, context, status=status)


def _case_context(request: HttpRequest, case: RehabCase, tab: str) -> dict[str, Any]:
    """What every case page shows in its head: the steps and the tabs the viewer may open."""
    municipal = may_see_assessment(request.user)
    return {
        "case": case,
        "citizen": case.citizen,
        "stage": case.stage,
        "steps": _steps(case),
        "tab": tab,
        "municipal": municipal,
        "grant": getattr(case, "grant", None),
        "meeting": getattr(case, "start_meeting", None),
        "today": timezone.localdate(),
    }


def _steps(case: RehabCase) -> list[tuple[str, str]]:
    """The flow's steps with their state: "done", "current" or "" (still to come)."""
    order = [
        Stage.ASSESSMENT,
        Stage.GRANT,
        Stage.PROVIDER,
        Stage.START_MEETING,
        Stage.ACTIVE,
        Stage.ENDED,
    ]
    stage = case.stage
    if stage == Stage.NOT_GRANTED:
        return [(str(_("Application and assessment")), "done"), (str(stage.label), "current")]
    current = order.index(stage)
    labels = [
        _("Application and assessment"),
        _("Grant"),
        _("Choice of provider"),
        _("Start meeting"),
        _("Rehabilitation"),
        _("Ended"),
    ]
    return [
        (
            str(label),
            "done" if i < current or stage == Stage.ENDED else "current" if i == current else "",
        )
        for i, label in enumerate(labels)
    ]


# --- lists --------------------------------------------------------------------------------------


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The worklist: open cases by stage (a provider's staff: their provider's citizens only)."""
    if not can(request.user, Action.VIEW_CITIZEN):
        raise PermissionDenied
    groups = selectors.worklist(actor=request.user)
    audit_reads(
        actor=request.user,
        operation="homecare_worklist",
        objects=[case for group in groups for case in group.cases],
    )
    return _render(
        request,
        "homecare/index.html",
        {
            "groups": groups,
            "provider_staff": is_provider_staff(request.user),
            "may_register": can(request.user, Action.ASSESS),
            "may_see_figures": can(request.user, Action.VIEW_AGGREGATES),
            "today": timezone.localdate(),
        },
    )


@require_GET
def index_xlsx(request: HttpRequest) -> FileResponse:
    """The worklist as an Excel workbook: the same cases by stage, masked CPR numbers."""
    if not can(request.user, Action.VIEW_CITIZEN):
        raise PermissionDenied
    groups = selectors.worklist(actor=request.user)
    audit_reads(
        actor=request.user,
        operation="export_homecare_worklist",
        objects=one_per_citizen(case for group in groups for case in group.cases),
    )
    today = timezone.localdate()

    def row(group: selectors.StageGroup, case: RehabCase) -> list[object]:
        grant = getattr(case, "grant", None)
        due = group.stage == Stage.ACTIVE and grant is not None and grant.end < today
        return [
            str(group.stage.label),
            case.citizen.full_name,
            case.citizen.cpr_masked,  # as on the page: never the full number
            case.received_on,
            str(case.provider or ""),
            grant.start if grant else None,
            grant.end if grant else None,
            _("Yes") if due else "",
        ]

    return xlsx_response(
        dated_filename("hverdagsrehabilitering"),
        _("Everyday rehabilitation"),
        [
            _("Stage"),
            _("Citizen"),
            _("CPR number"),
            _("Received"),
            _("Provider"),
            _("Period start"),
            _("Period end"),
            _("End evaluation due"),
        ],
        (row(group, case) for group in groups for case in group.cases),
        column_widths=(22, 26, 13, 12, 24, 12, 12, 12),
    )


# --- 1. application -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def application_create(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Action.ASSESS):
        raise PermissionDenied
    today = timezone.localdate()
    form = ApplicationForm(
        request.POST or None, initial={"received_on": today, "kind": "personal_care"}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.application_register(
                actor=request.user,
                cpr=data["cpr"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
                kind=data["kind"],
                received_on=data["received_on"],
                is_existing_homecare=data["is_existing_homecare"],
                weekly_minutes_before=data["weekly_minutes_before"],
                application_text=data["application_text"],
                today=today,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The application has been registered."))
            return redirect("homecare:assessment", pk=case.pk)
    status = 422 if request.method == "POST" else 200
    return _render(request, "homecare/application_form.html", {"form": form}, status)


# --- the case -----------------------------------------------------------------------------------


@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case(actor=request.user, pk=pk, operation="homecare_case")
    return _case_page(request, case)


def _case_page(
    request: HttpRequest,
    case: RehabCase,
    *,
    provider_form: ProviderChoiceForm | None = None,
    meeting_form: StartMeetingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _case_context(request, case, "case")
    user = request.user
    grant = context["grant"]
    meeting = context["meeting"]
    today = context["today"]
    may_coordinate = context["municipal"] and (
        can(user, Action.ASSESS) or can(user, Action.MANAGE_PATHWAY)
    )
    if may_coordinate and case.is_open and grant is not None:
        provider_form = provider_form or ProviderChoiceForm(
            municipality_id=case.municipality_id,
            initial={"provider": case.provider_id, "chosen_on": case.provider_chosen_on or today},
        )
        if case.provider_id is not None:
            professionals = services.professionals_for(
                case.municipality_id, grant.responsible_profession
            )
            meeting_form = meeting_form or StartMeetingForm(
                professionals=professionals,
                contact_persons=selectors.provider_staff(case.provider_id),
                initial=_meeting_initial(case, meeting, grant, today, user, professionals),
            )
    context.update(
        {
            "may_coordinate": may_coordinate,
            "provider_form": provider_form,
            "meeting_form": meeting_form,
            "key_persons": case.provider.rehab_key_persons.filter(is_active=True).select_related(
                "user"
            )
            if case.provider
            else [],
            "choices": case.provider_choices.select_related("provider", "recorded_by"),
            "visits_count": selectors.case_visits(case).count(),
            "meeting_deadline": _meeting_deadline(case, grant),
            "minutes_per_visit": grant.minutes_per_visit(
                HomecareSettings.for_municipality(case.municipality_id)
            )
            if grant
            else None,
            "economics": selectors.case_economics(case) if context["municipal"] else None,
        }
    )
    return _render(request, "homecare/case.html", context, status)


def _meeting_deadline(case: RehabCase, grant: Grant | None) -> object:
    if grant is None:
        return None
    from forlob.homecare.rules import start_meeting_deadline

    days = HomecareSettings.for_municipality(case.municipality_id).start_meeting_days
    return start_meeting_deadline(granted_on=grant.decided_on, days=days)


def _meeting_initial(
    case: RehabCase, meeting: Any, grant: Grant, today: Any, user: Any, professionals: list[Any]
) -> dict[str, Any]:
    if meeting is not None:
        return {
            "date": meeting.date,
            "professional": meeting.professional_id,
            "contact_person": meeting.contact_person_id,
            "citizen_present": meeting.citizen_present,
            "relatives": meeting.relatives,
            "held": meeting.held,
        }
    responsible = case.pathway.responsible_id
    mine = user.pk if any(p.pk == user.pk for p in professionals) else None
    return {
        "date": max(today, grant.decided_on),
        "professional": mine or responsible,
        "citizen_present": True,
    }


@require_POST
def provider_choice(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case(
        actor=request.user,
        pk=pk,
        operation="homecare_provider_choose",
        actions=(Action.ASSESS, Action.MANAGE_PATHWAY),
        assessment=True,
    )
    form = ProviderChoiceForm(request.POST, municipality_id=case.municipality_id)
    if form.is_valid():
        try:
            services.provider_choose(
                actor=request.user,
                case=case,
                provider=form.cleaned_data["provider"],
                chosen_on=form.cleaned_data["chosen_on"],
                today=timezone.localdate(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The choice of provider has been recorded."))
            return redirect("homecare:case", pk=case.pk)
    return _case_page(request, case, provider_form=form, status=422)


@require_POST
def start_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case(
        actor=request.user,
        pk=pk,
        operation="homecare_start_meeting",
        actions=(Action.ASSESS, Action.MANAGE_PATHWAY),
        assessment=True,
    )
    grant = getattr(case, "grant", None)
    form = StartMeetingForm(
        request.POST,
        professionals=services.professionals_for(
            case.municipality_id,
            grant.responsible_profession if grant else ResponsibleProfession.THERAPIST,
        ),
        contact_persons=selectors.provider_staff(case.provider_id),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.start_meeting_save(
                actor=request.user,
                case=case,
                date_=data["date"],
                professional=data["professional"],
                contact_person=data["contact_person"],
                citizen_present=data["citizen_present"],
                relatives=data["relatives"],
                held=data["held"],
                today=timezone.localdate(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The start meeting has been saved."))
            return redirect("homecare:case", pk=case.pk)
    return _case_page(request, case, meeting_form=form, status=422)


# --- assessment, shadow assessment and grant (municipal staff only) -----------------------------


@require_GET
def assessment(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case(actor=request.user, pk=pk, operation="homecare_assessment", assessment=True)
    return _assessment_page(request, case)


def _assessment_page(
    request: HttpRequest,
    case: RehabCase,
    *,
    form: AssessmentForm | None = None,
    shadow: Any = None,
    grant_form: GrantForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _case_context(request, case, "assessment")
    today = context["today"]
    found = getattr(case, "assessment", None)
    grant = context["grant"]
    settings = HomecareSettings.for_municipality(case.municipality_id)
    may_assess = can(request.user, Action.ASSESS)
    editable = may_assess and case.stage in (Stage.ASSESSMENT, Stage.GRANT)
    grantable = may_assess and found is not None and found.has_potential is True and case.is_open
    form = form or AssessmentForm(initial=AssessmentForm.initial_for(found, today))
    shadow = shadow or line_formset(
        prefix="shadow",
        lines=selectors.service_lines(case, ServiceLine.Purpose.SHADOW),
        blank=3 if editable else 0,
    )
    if grant_form is None and grantable:
        grant_form = GrantForm(
            initial={
                "start": grant.start if grant else max(today, case.received_on),
                "end": grant.end if grant else None,
                "time_model": grant.time_model if grant else Grant.TimeModel.PACKAGE,
                "package": grant.package if grant else 2,
                "extra_minutes_per_visit": grant.extra_minutes_per_visit if grant else None,
                "start_allowance_minutes": grant.start_allowance_minutes if grant else 0,
                "responsible_profession": grant.responsible_profession
                if grant
                else ResponsibleProfession.THERAPIST,
            }
        )
    context.update(
        {
            "assessment": found,
            "form": form,
            "shadow": shadow,
            "grant_form": grant_form if grantable else None,
            "editable": editable,
            "settings": settings,
            "levels": {
                code: (fsiii.ITEMS[code], level, fsiii.LEVELS.get(level))
                for code, level in (found.fsiii_levels.items() if found else [])
                if code in fsiii.ITEMS
            },
            "shadow_lines": selectors.service_lines(case, ServiceLine.Purpose.SHADOW),
            "economics": selectors.case_economics(case),
        }
    )
    return _render(request, "homecare/assessment.html", context, status)


@require_POST
def assessment_save(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case(
        actor=request.user,
        pk=pk,
        operation="homecare_assessment_save",
        actions=(Action.ASSESS,),
        assessment=True,
    )
    form = AssessmentForm(request.POST)
    shadow = line_formset(request.POST, prefix="shadow")
    if form.is_valid() and shadow.is_valid():
        data = form.cleaned_data
        try:
            services.assessment_save(
                actor=request.user,
                case=case,
                assessed_on=data["assessed_on"],
                has_potential=data["has_potential"],
                fsiii_levels=form.fsiii_levels(),
                notes=data["notes"],
                criteria=data["criteria"],
                criteria_text=data["criteria_text"],
                shadow_lines=shadow.lines(),
                today=timezone.localdate(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if data["has_potential"]:
                messages.success(
                    request, _("The assessment has been saved. Now make the grant below.")
                )
                return redirect(reverse("homecare:assessment", args=[case.pk]) + "#grant")
            messages.success(
                request, _("The assessment has been saved; the application is closed.")
            )
            return redirect("homecare:case", pk=case.pk)
    return _assessment_page(request, case, form=form, shadow=shadow, status=422)


@require_POST
def grant_save(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case(
        actor=request.user,
        pk=pk,
        operation="homecare_grant_save",
        actions=(Action.ASSESS,),
        assessment=True,
    )
    form = GrantForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.grant_save(
                actor=request.user,
                case=case,
                start=data["start"],
                end=data["end"],
                time_model=data["time_model"],
                package=data["package"],
                extra_minutes_per_visit=data["extra_minutes_per_visit"],
                start_allowance_minutes=data["start_allowance_minutes"] or 0,
                responsible_profession=data["responsible_profession"],
                today=timezone.localdate(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The grant has been saved."))
            return redirect("homecare:case", pk=case.pk)
    return _assessment_page(request, case, grant_form=form, status=422)


# --- 5. the plan ----------------------------------------------------------------------------------


def _may_write_plan(request: HttpRequest) -> bool:
    """The responsible professional's side of the plan (goals, actions): municipal staff."""
    return may_see_assessment(request.user) and can(request.user, Action.MANAGE_PATHWAY)


@require_GET
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case(actor=request.user, pk=pk, operation="homecare_plan")
    return _plan_page(request, case)


def _plan_page(
    request: HttpRequest,
    case: RehabCase,
    *,
    goal_form: GoalForm | None = None,
    action_form: ActionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _case_context(request, case, "plan")
    may_write = _may_write_plan(request) and case.is_open and context["grant"] is not None
    goals = selectors.case_goals(case)
    if may_write:
        goal_form = goal_form or GoalForm(initial={"kind": Goal.Kind.COPM})
        action_form = action_form or ActionForm(
            goals=case.goals.all(), initial={"who": Performer.PROVIDER_STAFF}
        )
    context.update(
        {
            "goals": goals,
            "actions": selectors.case_actions(case),
            "fsiii_items": fsiii.ITEMS,
            "may_write": may_write,
            "may_plan_visits": can(request.user, Action.EDIT_PLAN)
            and case.is_open
            and case.provider_id is not None
            and context["grant"] is not None,
            "goal_form": goal_form if may_write else None,
            "action_form": action_form if may_write else None,
            "visits_count": selectors.case_visits(case).count(),
        }
    )
    return _render(request, "homecare/plan.html", context, status)


def _plan_write_case(request: HttpRequest, pk: int, operation: str) -> RehabCase:
    return get_case(
        actor=request.user,
        pk=pk,
        operation=operation,
        actions=(Action.MANAGE_PATHWAY,),
        assessment=True,
    )


@require_POST
def goal_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _plan_write_case(request, pk, "homecare_goal_add")
    form = GoalForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.goal_add(
                actor=request.user,
                case=case,
                kind=data["kind"],
                title=data["title"],
                fsiii_item=data["fsiii_item"],
                citizen_words=data["citizen_words"],
                sub_goals=form.sub_goal_lines(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The goal has been added."))
            return redirect("homecare:plan", pk=case.pk)
    return _plan_page(request, case, goal_form=form, status=422)


@require_POST
def goal_remove(request: HttpRequest, pk: int) -> HttpResponse:
    case = _plan_write_case(request, pk, "homecare_goal_remove")
    form = GoalRefForm(request.POST, goals=case.goals.all())
    if form.is_valid():
        try:
            services.goal_remove(actor=request.user, case=case, goal=form.cleaned_data["goal"])
        except ValidationError as exc:
            messages.error(request, first_error(exc))
        else:
            messages.success(request, _("The goal has been removed."))
    else:
        messages.error(request, _("Choose a goal of this plan."))
    return redirect("homecare:plan", pk=case.pk)


@require_POST
def action_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _plan_write_case(request, pk, "homecare_action_add")
    form = ActionForm(request.POST, goals=case.goals.all())
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.action_add(
                actor=request.user,
                case=case,
                goal=data["goal"],
                what=data["what"],
                who=data["who"],
                times_per_week=data["times_per_week"],
                how=data["how"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The action has been added."))
            return redirect("homecare:plan", pk=case.pk)
    return _plan_page(request, case, action_form=form, status=422)


@require_POST
def action_remove(request: HttpRequest, pk: int) -> HttpResponse:
    case = _plan_write_case(request, pk, "homecare_action_remove")
    form = ActionRefForm(request.POST, actions=case.actions.all())
    if form.is_valid():
        try:
            services.action_remove(
                actor=request.user, case=case, action=form.cleaned_data["action"]
            )
        except ValidationError as exc:
            messages.error(request, first_error(exc))
        else:
            messages.success(request, _("The action has been removed."))
    else:
        messages.error(request, _("Choose an action of this plan."))
    return redirect("homecare:plan", pk=case.pk)


@require_POST
def visits_generate(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case(
        actor=request.user,
        pk=pk,
        operation="homecare_visits_generate",
        actions=(Action.EDIT_PLAN,),
    )
    try:
        count = services.visits_generate(actor=request.user, case=case, today=timezone.localdate())
    except ValidationError as exc:
        messages.error(request, first_error(exc))
    else:
        messages.success(request, _("%(count)d visits are on the driving list.") % {"count": count})
    return redirect("homecare:plan", pk=case.pk)


# --- weekly evaluations (home-care staff, phone) --------------------------------------------------


@require_GET
def evaluations(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case(actor=request.user, pk=pk, operation="homecare_evaluations")
    return _evaluations_page(request, case)


def _evaluations_page(
    request: HttpRequest,
    case: RehabCase,
    *,
    bound: WeeklyEvaluationForm | None = None,
    bound_goal: int | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _case_context(request, case, "evaluations")
    today = context["today"]
    goals = selectors.case_goals(case)
    week = today - timedelta(days=today.weekday())
    may_record = can(request.user, Action.EDIT_PLAN) and case.stage == Stage.ACTIVE
    rows = []
    for goal in goals:
        this_week = next((e for e in goal.evaluations.all() if e.week == week), None)
        if bound is not None and bound_goal == goal.pk:
            form = bound
        else:
            form = WeeklyEvaluationForm(
                goals=case.goals.all(),
                auto_id=f"g{goal.pk}_%s",
                initial={
                    "goal": goal.pk,
                    "progress": this_week.progress if this_week else None,
                    "text": this_week.text if this_week else "",
                },
            )
        rows.append({"goal": goal, "form": form, "this_week": this_week})
    context.update(
        {
            "rows": rows,
            "week": week,
            "may_record": may_record,
            "actions": selectors.case_actions(case),
            "fsiii_items": fsiii.ITEMS,
        }
    )
    return _render(request, "homecare/evaluations.html", context, status)


@require_POST
def evaluation_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case(
        actor=request.user,
        pk=pk,
        operation="homecare_weekly_evaluation",
        actions=(Action.EDIT_PLAN,),
    )
    goal_id = request.POST.get("goal")
    form = WeeklyEvaluationForm(
        request.POST, goals=case.goals.all(), auto_id=f"g{goal_id}_%s" if goal_id else "id_%s"
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            _evaluation, created = services.weekly_evaluation_record(
                actor=request.user,
                case=case,
                goal=data["goal"],
                progress=data["progress"],
                text=data["text"],
                today=timezone.localdate(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The evaluation has been saved.")
                if created
                else _("This week's evaluation has been updated."),
            )
            return redirect(reverse("homecare:evaluations", args=[case.pk]) + f"#goal-{goal_id}")
    bound_goal = int(goal_id) if goal_id and goal_id.isdigit() else None
    return _evaluations_page(request, case, bound=form, bound_goal=bound_goal, status=422)


# --- 6. mid-way and end evaluation (responsible professional) -------------------------------------


@require_GET
def review(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case(actor=request.user, pk=pk, operation="homecare_review", assessment=True)
    return _review_page(request, case)


def _review_page(
    request: HttpRequest,
    case: RehabCase,
    *,
    midway_form: MidwayForm | None = None,
    end_form: EndForm | None = None,
    after: Any = None,
    status: int = 200,
) -> HttpResponse:
    context = _case_context(request, case, "review")
    today = context["today"]
    done = selectors.professional_evaluations(case)
    may_write = _may_write_plan(request) and case.is_open and context["grant"] is not None
    midway = done.get(ProfessionalEvaluation.Kind.MIDWAY)
    end = done.get(ProfessionalEvaluation.Kind.END)
    if may_write:
        midway_form = midway_form or MidwayForm(
            initial={
                "date": midway.date if midway else today,
                "text": midway.text if midway else "",
            }
        )
        end_form = end_form or EndForm(initial={"date": today})
        after = after or line_formset(prefix="after", blank=3)
    context.update(
        {
            "midway": midway,
            "end": end,
            "may_write": may_write,
            "active": case.stage == Stage.ACTIVE,
            "midway_form": midway_form,
            "end_form": end_form,
            "after": after,
            "goals": selectors.case_goals(case),
            "fsiii_items": fsiii.ITEMS,
            "after_lines": selectors.service_lines(case, ServiceLine.Purpose.AFTER),
            "shadow_lines": selectors.service_lines(case, ServiceLine.Purpose.SHADOW),
            "economics": selectors.case_economics(case),
            "progress_labels": dict(Progress.choices),
            "outcomes": Outcome,
        }
    )
    return _render(request, "homecare/review.html", context, status)


@require_POST
def midway_save(request: HttpRequest, pk: int) -> HttpResponse:
    case = _plan_write_case(request, pk, "homecare_midway_evaluation")
    form = MidwayForm(request.POST)
    if form.is_valid():
        try:
            services.midway_save(
                actor=request.user,
                case=case,
                date_=form.cleaned_data["date"],
                text=form.cleaned_data["text"],
                today=timezone.localdate(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The mid-way evaluation has been saved."))
            return redirect("homecare:review", pk=case.pk)
    return _review_page(request, case, midway_form=form, status=422)


@require_POST
def end_save(request: HttpRequest, pk: int) -> HttpResponse:
    case = _plan_write_case(request, pk, "homecare_end_evaluation")
    form = EndForm(request.POST)
    after = line_formset(request.POST, prefix="after")
    if form.is_valid() and after.is_valid():
        data = form.cleaned_data
        try:
            services.end_save(
                actor=request.user,
                case=case,
                date_=data["date"],
                outcome=data["outcome"],
                text=data["text"],
                dropout_cause=data["dropout_cause"],
                dropout_text=data["dropout_text"],
                after_lines=after.lines(),
                today=timezone.localdate(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The course has ended with the outcome recorded."))
            return redirect("homecare:case", pk=case.pk)
    return _review_page(request, case, end_form=form, after=after, status=422)


# --- 7. driving lists -----------------------------------------------------------------------------


def _driving_selection(request: HttpRequest) -> dict[str, Any]:
    """A day's visits of a provider (or one of its groups) for this request: the page and its
    Excel download."""
    user = request.user
    if not can(user, Action.VIEW_CITIZEN):
        raise PermissionDenied
    providers = selectors.providers_for(user)
    form = DrivingListForm(request.GET or None, providers=providers)
    today = timezone.localdate()
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    day = data.get("date") or today
    provider = data.get("provider") or (providers[0] if providers else None)
    group = data.get("group")
    if group is not None and provider is not None and group.provider_id != provider.pk:
        group = None
    scope = request.GET.get("scope") or ("mine" if is_provider_staff(user) else "all")
    only_mine = scope == "mine"
    visits = (
        selectors.driving_list(
            actor=user,
            day=day,
            provider_id=provider.pk,
            group_id=group.pk if group else None,
            only_mine=only_mine,
        )
        if provider is not None
        else []
    )
    return {
        "form": form,
        "visits": visits,
        "day": day,
        "today": today,
        "provider": provider,
        "providers": providers,
        "group": group,
        "scope": scope,
    }


@require_GET
def driving_list(request: HttpRequest) -> HttpResponse:
    """A day's visits of a provider (or one of its groups): a phone screen, and printable."""
    context = _driving_selection(request)
    user, visits = request.user, context["visits"]
    provider, group, day = context["provider"], context["group"], context["day"]
    audit_reads(actor=user, operation="homecare_driving_list", objects=visits)
    params = {"provider": provider.pk if provider else "", "group": group.pk if group else ""}
    return _render(
        request,
        "homecare/driving_list.html",
        {
            **context,
            "groups": provider.care_groups.all() if provider else [],
            "params": params,
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1),
            "rehab_count": sum(1 for v in visits if v.is_rehab),
            "may_complete": can(user, Action.EDIT_PLAN),
            "xlsx_query": urlencode({"date": day.isoformat(), **params, "scope": context["scope"]}),
        },
    )


@require_GET
def driving_list_xlsx(request: HttpRequest) -> FileResponse:
    """The driving list as an Excel workbook: the same visits, names and addresses as the page
    (no CPR number: the page shows none)."""
    context = _driving_selection(request)
    visits, provider, group = context["visits"], context["provider"], context["group"]
    audit_reads(
        actor=request.user,
        operation="export_homecare_driving_list",
        objects=one_per_citizen(visits),
    )
    where = [provider.name if provider else "", group.name if group else ""]
    return xlsx_response(
        dated_filename("koreliste", context["day"]),
        _("Driving list"),
        [
            _("Time"),
            _("Citizen"),
            _("Address"),
            _("Postal code"),
            _("City"),
            _("Minutes"),
            _("Extra minutes"),
            _("Staff"),
            _("Rehabilitation"),
            _("Done"),
            _("Actions"),
        ],
        (
            [
                v.planned_time,
                v.citizen.full_name,
                v.citizen.address,
                v.citizen.postal_code,
                v.citizen.city,
                v.duration_minutes,
                v.extra_minutes or None,
                str(v.staff or ""),
                _("Yes") if v.is_rehab else "",
                _("Yes") if v.status == "completed" else "",
                "; ".join(a.what for a in v.actions.all()),
            ]
            for v in visits
        ),
        notes=[
            formats.date_format(context["day"], "l j. F Y"),
            " · ".join(w for w in where if w),
        ],
        column_widths=(8, 26, 28, 10, 16, 9, 9, 20, 10, 8, 50),
    )


@require_POST
def visit_done(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_visit(
        actor=request.user, pk=pk, operation="homecare_visit_complete", action=Action.EDIT_PLAN
    )
    try:
        services.visit_complete(actor=request.user, visit=visit, today=timezone.localdate())
    except ValidationError as exc:
        messages.error(request, first_error(exc))
    else:
        messages.success(request, _("The visit is marked as completed."))
    query = f"?date={visit.date.isoformat()}&provider={visit.provider_id}"
    return redirect(reverse("homecare:driving_list") + query + f"#visit-{visit.pk}")


# --- unit figures ---------------------------------------------------------------------------------


@require_GET
def figures(request: HttpRequest) -> HttpResponse:
    """Outcomes, continuity and minutes saved for the user's municipality; no citizen named."""
    user = request.user
    if not can(user, Action.VIEW_AGGREGATES) or user.municipality_id is None:
        raise PermissionDenied
    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    end = data.get("end") or today
    start = data.get("start") or (end - timedelta(days=364))
    if start > end:
        start = end - timedelta(days=364)
    m = user.municipality_id
    period = {"municipality_id": m, "start": start, "end": end}
    overall = selectors.outcome_shares(**period)
    return _render(
        request,
        "homecare/figures.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "outcomes": list(Outcome),
            "overall": overall,
            "tables": [
                (_("By provider"), "by-provider", selectors.outcome_shares_by_provider(**period)),
                (
                    _("By kind of provider"),
                    "by-provider-kind",
                    selectors.outcome_shares_by_provider_kind(**period),
                ),
                (
                    _("New or existing home-care citizens"),
                    "by-homecare-status",
                    selectors.outcome_shares_by_homecare_status(**period),
                ),
                (
                    _("By what was applied for"),
                    "by-application-kind",
                    selectors.outcome_shares_by_application_kind(**period),
                ),
            ],
            "continuity": selectors.continuity(**period),
            "savings": selectors.minutes_saved(**period),
            "meetings": selectors.start_meetings_in_time(**period),
            "settings": HomecareSettings.for_municipality(m),
        },
    )
