"""Staff pages: the questionnaire builder, sending a questionnaire, and response tracking.

Who may do what (``access/policy.py``):

* the builder needs ``ADMINISTER``: questionnaires are reference data like referral types, and
  a change to a satisfaction survey changes a KPI the whole municipality is measured on (which
  answers count as positive), so it belongs with the few who administer reference data, not with
  every clinician who may manage a pathway. Questionnaires hold no citizen data.
* sending a link or starting the tablet needs ``MANAGE_PATHWAY`` on a citizen in scope (the care
  team does it as part of the pathway), through ``get_for_actor`` (audited; outside scope 404).
* tracking needs ``VIEW_AGGREGATES``: counts only, never a citizen.
"""

from __future__ import annotations

from datetime import date
from typing import IO

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forlob.access.models import AccessLog
from forlob.access.policy import Action, can
from forlob.access.services import audit_record, get_for_actor
from forlob.citizens.models import Citizen
from forlob.core.forms import add_service_errors, first_error
from forlob.core.xlsx import Sheet, dated_filename, new_workbook, workbook_response
from forlob.pathways.models import Pathway
from forlob.questionnaires import selectors, services
from forlob.questionnaires.forms import (
    IntroForm,
    InviteForm,
    QuestionForm,
    QuestionnaireForm,
    TrackingFilterForm,
    option_formset,
    question_data,
)
from forlob.questionnaires.models import (
    Channel,
    Delivery,
    Purpose,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    VersionStatus,
)
from forlob.questionnaires.panels import NEW_LINK_SESSION_KEY
from forlob.questionnaires.public_views import question_rows


def _require(request: HttpRequest, action: Action) -> None:
    if not can(request.user, action):
        raise PermissionDenied


def _visible(request: HttpRequest, pk: int) -> Questionnaire:
    found = selectors.questionnaires_visible(actor=request.user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _editable_version(request: HttpRequest, pk: int) -> QuestionnaireVersion:
    found = (
        QuestionnaireVersion.objects.select_related("questionnaire")
        .filter(
            pk=pk,
            questionnaire__in=selectors.questionnaires_editable(actor=request.user),
        )
        .first()
    )
    if found is None:
        raise Http404
    return found


def _editable_question(request: HttpRequest, pk: int) -> Question:
    found = (
        Question.objects.select_related("version__questionnaire")
        .filter(
            pk=pk,
            version__questionnaire__in=selectors.questionnaires_editable(actor=request.user),
        )
        .first()
    )
    if found is None:
        raise Http404
    return found


# --- the builder ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def questionnaire_list(request: HttpRequest) -> HttpResponse:
    _require(request, Action.ADMINISTER)
    form = QuestionnaireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            questionnaire = services.questionnaire_create(
                actor=request.user,
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
                purpose=form.cleaned_data["purpose"],
                intro=form.cleaned_data["intro"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The questionnaire has been created as a draft."))
            return redirect("questionnaires:detail", pk=questionnaire.pk)
    rows = []
    for q in selectors.questionnaires_visible(actor=request.user).prefetch_related("versions"):
        versions = list(q.versions.all())
        rows.append(
            {
                "questionnaire": q,
                "published": next((v for v in versions if v.status == "published"), None),
                "draft": next((v for v in versions if v.status == "draft"), None),
            }
        )
    return render(
        request,
        "questionnaires/list.html",
        {"rows": rows, "form": form},
        status=422 if request.method == "POST" else 200,
    )


@require_GET
def questionnaire_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Action.ADMINISTER)
    questionnaire = _visible(request, pk)
    return _detail_page(request, questionnaire)


def _detail_page(
    request: HttpRequest,
    questionnaire: Questionnaire,
    *,
    intro_form: IntroForm | None = None,
    status: int = 200,
) -> HttpResponse:
    versions = list(questionnaire.versions.order_by("-number"))
    draft = next((v for v in versions if v.status == VersionStatus.DRAFT), None)
    own = questionnaire.municipality_id == request.user.municipality_id and not (
        questionnaire.is_shared
    )
    shown = draft or next(iter(versions), None)
    questions = list(shown.questions.prefetch_related("options")) if shown else []
    return render(
        request,
        "questionnaires/detail.html",
        {
            "questionnaire": questionnaire,
            "versions": versions,
            "draft": draft,
            "shown": shown,
            "questions": questions,
            "own": own,
            "intro_form": intro_form or IntroForm(initial={"intro": draft.intro if draft else ""}),
            "version_rows": [
                {"version": v, "answers": v.responses.filter(submitted_at__isnull=False).count()}
                for v in versions
            ],
        },
        status=status,
    )


@require_POST
def questionnaire_copy(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Action.ADMINISTER)
    source = _visible(request, pk)
    if request.user.municipality_id is None:
        raise PermissionDenied
    copy = services.questionnaire_copy(actor=request.user, questionnaire=source)
    messages.success(request, _("Your own copy has been made as a draft."))
    return redirect("questionnaires:detail", pk=copy.pk)


@require_POST
def questionnaire_active(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Action.ADMINISTER)
    questionnaire = selectors.questionnaires_editable(actor=request.user).filter(pk=pk).first()
    if questionnaire is None:
        raise Http404
    active = request.POST.get("active") == "1"
    services.questionnaire_set_active(
        actor=request.user, questionnaire=questionnaire, active=active
    )
    messages.success(
        request,
        _("The questionnaire is in use.")
        if active
        else _("The questionnaire is no longer in use."),
    )
    return redirect("questionnaires:detail", pk=pk)


@require_POST
def version_intro(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Action.ADMINISTER)
    version = _editable_version(request, pk)
    form = IntroForm(request.POST)
    if form.is_valid():
        try:
            services.version_set_intro(
                actor=request.user, version=version, intro=form.cleaned_data["intro"]
            )
        except ValidationError as exc:
            messages.error(request, first_error(exc))
        else:
            messages.success(request, _("The introduction has been saved."))
    return redirect("questionnaires:detail", pk=version.questionnaire_id)


def _question_page(
    request: HttpRequest,
    *,
    version: QuestionnaireVersion,
    question: Question | None,
    form: QuestionForm,
    options: object,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "questionnaires/question_form.html",
        {
            "version": version,
            "questionnaire": version.questionnaire,
            "question": question,
            "form": form,
            "options": options,
        },
        status=status,
    )


def _save_question(
    request: HttpRequest, version: QuestionnaireVersion, question: Question | None
) -> HttpResponse:
    if question is None:
        form = QuestionForm(request.POST or None)
    else:
        form = QuestionForm(request.POST or None, initial=QuestionForm.initial_for(question))
    options = option_formset(request.POST or None, question if request.method == "GET" else None)
    if request.method == "POST":
        if form.is_valid() and options.is_valid():
            try:
                data = question_data(form, options)
                if question is None:
                    services.question_add(actor=request.user, version=version, data=data)
                else:
                    services.question_update(actor=request.user, question=question, data=data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The question has been saved."))
                return redirect("questionnaires:detail", pk=version.questionnaire_id)
        return _question_page(
            request, version=version, question=question, form=form, options=options, status=422
        )
    return _question_page(request, version=version, question=question, form=form, options=options)


@require_http_methods(["GET", "POST"])
def question_new(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Action.ADMINISTER)
    version = _editable_version(request, pk)
    if not version.is_draft:
        messages.error(request, _(services.MESSAGE_NOT_DRAFT))
        return redirect("questionnaires:detail", pk=version.questionnaire_id)
    return _save_question(request, version, None)


@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Action.ADMINISTER)
    question = _editable_question(request, pk)
    if not question.version.is_draft:
        messages.error(request, _(services.MESSAGE_NOT_DRAFT))
        return redirect("questionnaires:detail", pk=question.version.questionnaire_id)
    return _save_question(request, question.version, question)


@require_POST
def question_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Action.ADMINISTER)
    question = _editable_question(request, pk)
    try:
        services.question_delete(actor=request.user, question=question)
    except ValidationError as exc:
        messages.error(request, first_error(exc))
    else:
        messages.success(request, _("The question has been removed."))
    return redirect("questionnaires:detail", pk=question.version.questionnaire_id)


@require_POST
def question_move(request: HttpRequest, pk: int, direction: str) -> HttpResponse:
    _require(request, Action.ADMINISTER)
    if direction not in ("up", "down"):
        raise Http404
    question = _editable_question(request, pk)
    try:
        services.question_move(actor=request.user, question=question, up=direction == "up")
    except ValidationError as exc:
        messages.error(request, first_error(exc))
    return redirect(
        reverse("questionnaires:detail", args=[question.version.questionnaire_id])
        + f"#question-{question.pk}"
    )


@require_POST
def version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Action.ADMINISTER)
    version = _editable_version(request, pk)
    try:
        services.version_publish(actor=request.user, version=version)
    except ValidationError as exc:
        messages.error(request, first_error(exc))
    else:
        messages.success(
            request,
            _("Version %(number)d is published. It can now be sent and will not change.")
            % {"number": version.number},
        )
    return redirect("questionnaires:detail", pk=version.questionnaire_id)


@require_POST
def version_new_draft(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Action.ADMINISTER)
    version = _editable_version(request, pk)
    try:
        draft = services.version_new_draft(actor=request.user, version=version)
    except ValidationError as exc:
        messages.error(request, first_error(exc))
    else:
        messages.success(
            request,
            _("Version %(number)d is a new draft. Earlier answers keep their version.")
            % {"number": draft.number},
        )
    return redirect("questionnaires:detail", pk=version.questionnaire_id)


@require_GET
def version_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The version as the citizen sees it; nothing can be saved here."""
    if not (can(request.user, Action.ADMINISTER) or can(request.user, Action.MANAGE_PATHWAY)):
        raise PermissionDenied
    version = (
        QuestionnaireVersion.objects.select_related("questionnaire")
        .filter(pk=pk, questionnaire__in=selectors.questionnaires_visible(actor=request.user))
        .first()
    )
    if version is None:
        raise Http404
    return render(
        request,
        "questionnaires/preview.html",
        {
            "version": version,
            "questionnaire": version.questionnaire,
            "rows": question_rows(version, answers={}, errors={}),
        },
    )


# --- sending --------------------------------------------------------------------------------------


def _invite(request: HttpRequest, pk: int, channel: str, operation: str) -> HttpResponse:
    citizen = get_for_actor(
        actor=request.user,
        queryset=Citizen.objects.all(),
        pk=pk,
        operation=operation,
        action=Action.MANAGE_PATHWAY,
        citizen_field="",
    )
    form = InviteForm(
        request.POST,
        questionnaires=selectors.questionnaires_sendable(municipality_id=citizen.municipality_id),
    )
    pathway = None
    if form.is_valid() and form.cleaned_data["pathway"]:
        pathway = Pathway.objects.filter(pk=form.cleaned_data["pathway"], citizen=citizen).first()
        if pathway is None:
            messages.error(request, _(services.MESSAGE_PATHWAY_MISMATCH))
            return redirect("citizens:detail", pk=citizen.pk)
    back = (
        reverse("pathways:detail", args=[pathway.pk])
        if pathway is not None
        else reverse("citizens:detail", args=[citizen.pk])
    )
    if not form.is_valid():
        messages.error(request, _(services.MESSAGE_NOT_AVAILABLE))
        return redirect(back)
    try:
        new = services.invitation_create(
            actor=request.user,
            citizen=citizen,
            questionnaire=form.cleaned_data["questionnaire"],
            channel=channel,
            delivery=form.cleaned_data["delivery"] or Delivery.HANDED,
            pathway=pathway,
            base_url=request.build_absolute_uri("/"),
        )
    except ValidationError as exc:
        messages.error(request, first_error(exc))
        return redirect(back)
    if channel == Channel.TABLET:
        # The tablet now shows only the questionnaire (no menu, no staff data, no CPR).
        return redirect(new.path)
    if new.invitation.delivery == Delivery.HANDED:
        # Shown once, on the page we return to; only the hash stays in the database.
        request.session[NEW_LINK_SESSION_KEY % citizen.pk] = request.build_absolute_uri(new.path)
        messages.success(request, _("The link has been made. It is shown once, below."))
    else:
        messages.success(
            request,
            _("The link is on its way by %(channel)s.")
            % {"channel": new.invitation.get_delivery_display()},
        )
    return redirect(back)


@require_POST
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a one-time link (SMS, e-mail, or shown once to staff)."""
    return _invite(request, pk, Channel.LINK, "questionnaire_invite")


@require_POST
def start_tablet(request: HttpRequest, pk: int) -> HttpResponse:
    """Start the questionnaire on this device for the citizen to answer now."""
    return _invite(request, pk, Channel.TABLET, "questionnaire_tablet")


# --- tracking -------------------------------------------------------------------------------------


def _tracking_data(request: HttpRequest) -> dict[str, object]:
    """Sent, opened, answered; response rate and positive share for this request's filters:
    the page and its Excel download. Counts only."""
    _require(request, Action.VIEW_AGGREGATES)
    today = timezone.localdate()
    this_month = today.replace(day=1)
    months = selectors.previous_months(this_month, 12)
    questionnaires = selectors.questionnaires_visible(actor=request.user).order_by("name")
    form = TrackingFilterForm(
        request.GET or None,
        questionnaires=questionnaires,
        teams=selectors.teams_of(actor=request.user),
        months=months,
    )
    month = form.chosen_month(this_month) if request.GET else this_month
    chosen = form.cleaned_data if form.is_bound and form.is_valid() else {}
    questionnaire = chosen.get("questionnaire")
    team = chosen.get("team")
    q_id = questionnaire.pk if questionnaire else None
    t_id = team.pk if team else None
    now = timezone.now()
    purpose = questionnaire.purpose if questionnaire else None
    kpis = {
        "satisfaction_response": selectors.response_rate(
            actor=request.user,
            month_start=month,
            purpose=Purpose.SATISFACTION,
            questionnaire_id=q_id if purpose in (None, Purpose.SATISFACTION) else -1,
            team_id=t_id,
            now=now,
        ),
        "positive": selectors.satisfaction_positive_share(
            actor=request.user,
            month_start=month,
            questionnaire_id=q_id if purpose in (None, Purpose.SATISFACTION) else -1,
            team_id=t_id,
        ),
        "response": selectors.response_rate(
            actor=request.user, month_start=month, questionnaire_id=q_id, team_id=t_id, now=now
        ),
    }
    return {
        "form": form,
        "month": month,
        "questionnaire": questionnaire,
        "team": team,
        "kpis": kpis,
        "by_group": selectors.invitation_funnel(
            actor=request.user,
            month_start=month,
            questionnaire_id=q_id,
            team_id=t_id,
            now=now,
        ),
        "by_month": selectors.invitation_funnel_by_month(
            actor=request.user,
            last_month=month,
            months=12,
            questionnaire_id=q_id,
            team_id=t_id,
            now=now,
        ),
    }


@require_GET
def tracking(request: HttpRequest) -> HttpResponse:
    """Sent, opened, answered; response rate and positive share. Counts only."""
    return render(request, "questionnaires/tracking.html", _tracking_data(request))


def _funnel_cells(label: object, row: selectors.Funnel) -> list[object]:
    positive = row.positive
    return [
        label,
        row.sent,
        row.opened,
        row.answered,
        row.expired,
        row.pending,
        row.response.share,
        positive.share if positive else None,
        positive.numerator if positive else None,
        positive.denominator if positive else None,
    ]


@require_GET
def tracking_xlsx(request: HttpRequest) -> FileResponse:
    """The tracking tables as an Excel workbook (counts only: no citizen)."""
    data = _tracking_data(request)
    audit_record(
        actor=request.user, kind=AccessLog.Kind.READ, operation="export_questionnaire_tracking"
    )
    month = data["month"]
    assert isinstance(month, date)
    notes = [
        formats.date_format(month, "F Y").capitalize(),
        ", ".join(str(x) for x in (data["questionnaire"], data["team"]) if x),
    ]
    header = [
        _("Sent"),
        _("Opened"),
        _("Answered"),
        _("Expired"),
        _("Pending"),
        _("Response rate"),
        _("Positive"),
        _("Positive answers"),
        _("Answers with a verdict"),
    ]

    def write(out: IO[bytes]) -> None:
        workbook = new_workbook()
        groups = Sheet(
            workbook, _("Per questionnaire and team"), (40, 8, 8, 9, 8, 8, 12, 10, 10, 10)
        )
        groups.freeze("A5")
        groups.title(_("Questionnaire responses"))
        for note in notes:
            if note:
                groups.row([note])
        groups.blank()
        groups.header([_("Questionnaire · team"), *header])
        for row in data["by_group"]:  # type: ignore[attr-defined]
            groups.row(_funnel_cells(row.label, row), percent_columns=(6, 7))
        months = Sheet(workbook, _("Per month"), (16, 8, 8, 9, 8, 8, 12, 10, 10, 10))
        months.freeze("A4")
        months.title(_("Per month"))
        months.blank()
        months.header([_("Month"), *header])
        for row in data["by_month"]:  # type: ignore[attr-defined]
            label = formats.date_format(row.key, "F Y").capitalize()
            months.row(_funnel_cells(label, row), percent_columns=(6, 7))
        workbook.save(out)

    return workbook_response(dated_filename("spoergeskema-svar", month), write)
