"""Pages of group programmes: programmes, classes, a class, the attendance screen of a session.

A class page is not one citizen's record: anyone in the municipality who may view citizens sees
the class, its sessions and staff, but only the citizens they have a care relation to (the class
staff and their team have one through the enrolment); each citizen shown is an audited read.
Writes about one citizen (attendance, individual sessions, dropout) fetch the enrolment through
``access.services.get_for_actor``, so a citizen outside the user's scope answers 404.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import IO, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forlob.access.models import AccessLog
from forlob.access.policy import Action, can
from forlob.access.services import audit_reads, audit_record, get_for_actor
from forlob.core.forms import add_service_errors, first_error
from forlob.core.models import User
from forlob.core.xlsx import (
    dated_filename,
    new_workbook,
    one_per_citizen,
    workbook_response,
    write_table_sheet,
    xlsx_response,
)
from forlob.programmes import rules, selectors
from forlob.programmes.forms import (
    AttendanceForm,
    ClassForm,
    CompleteForm,
    DropOutForm,
    EnrolForm,
    SessionMoveForm,
    TalkForm,
)
from forlob.programmes.models import (
    AttendanceStatus,
    ClassSession,
    ClassStatus,
    Enrolment,
    EnrolmentStatus,
    ProgrammeClass,
    SessionStaff,
    SessionStatus,
)
from forlob.programmes.services import (
    ClassDraft,
    attendance_all_present,
    attendance_set,
    class_complete,
    class_create,
    class_enrol,
    enrolment_drop_out,
    session_cancel,
    session_move,
    talk_book,
)
from forlob.referrals.models import Referral
from forlob.scheduling.models import BUSY_STATUSES
from forlob.scheduling.selectors import free_slots, suggestion_not_before

TALK_SUGGESTIONS = 3


def _require(request: HttpRequest, action: Action) -> None:
    if not can(request.user, action):
        raise PermissionDenied


def _get_class(
    request: HttpRequest, pk: int, action: Action = Action.VIEW_RECORD
) -> ProgrammeClass:
    """A class of the user's own municipality; 404 for others and for roles without records."""
    if not can(request.user, Action.VIEW_RECORD):
        raise Http404
    klass = (
        ProgrammeClass.objects.select_related("programme", "location", "team", "lead")
        .filter(pk=pk, municipality_id=request.user.municipality_id)
        .first()
    )
    if klass is None:
        raise Http404
    if not can(request.user, action):
        raise PermissionDenied
    return klass


def _get_session(
    request: HttpRequest, pk: int, action: Action = Action.VIEW_RECORD
) -> ClassSession:
    if not can(request.user, Action.VIEW_RECORD):
        raise Http404
    session = (
        ClassSession.objects.select_related(
            "programme_class__programme", "programme_class__location", "location"
        )
        .filter(pk=pk, programme_class__municipality_id=request.user.municipality_id)
        .first()
    )
    if session is None:
        raise Http404
    if not can(request.user, action):
        raise PermissionDenied
    return session


def _get_enrolment(request: HttpRequest, pk: int, operation: str, action: Action) -> Enrolment:
    return get_for_actor(
        actor=request.user,
        queryset=Enrolment.objects.select_related(
            "citizen", "pathway", "programme_class__programme", "programme_class__location"
        ),
        pk=pk,
        operation=operation,
        action=action,
    )


# --- programmes and classes -----------------------------------------------------------------------


@require_GET
def programme_list(request: HttpRequest) -> HttpResponse:
    _require(request, Action.VIEW_RECORD)
    open_counts = dict(
        ProgrammeClass.objects.filter(
            municipality_id=request.user.municipality_id, status=ClassStatus.OPEN
        )
        .values_list("programme_id")
        .annotate(n=Count("pk"))
        .values_list("programme_id", "n")
    )
    programmes = []
    for programme in selectors.active_programmes():
        definitions = list(programme.definitions.all())
        talks = rules.plan_talks(definitions)
        programmes.append(
            {
                "programme": programme,
                "definitions": definitions,
                "group_sessions": sum(d.count for d in definitions if d.is_group),
                "talks": len(talks),
                "open_classes": open_counts.get(programme.pk, 0),
            }
        )
    return render(
        request,
        "programmes/programme_list.html",
        {"programmes": programmes, "may_create": can(request.user, Action.BOOK)},
    )


def _class_list_selection(request: HttpRequest) -> tuple[list[ProgrammeClass], str, str]:
    """The classes the list shows for this request, each with ``flagged`` (how many citizens
    missed sessions in a row: counted, never named). The page and its Excel download."""
    _require(request, Action.VIEW_RECORD)
    status = request.GET.get("status", ClassStatus.OPEN)
    if status not in (*ClassStatus.values, "all"):
        status = ClassStatus.OPEN
    programme = request.GET.get("programme", "")
    classes = list(
        selectors.classes_for(
            actor=request.user,
            status="" if status == "all" else status,
            programme_id=int(programme) if programme.isdigit() and len(programme) < 19 else None,
        )
    )
    # Flags are counted, never named, on this list (a count is no citizen's data).
    open_enrolments = list(
        Enrolment.objects.filter(
            programme_class__in=[c for c in classes if c.status == ClassStatus.OPEN],
            status=EnrolmentStatus.ENROLLED,
        )
    )
    flagged: dict[int, int] = {}
    for p in selectors.progress_for(open_enrolments).values():
        if p.flagged:
            flagged[p.enrolment.programme_class_id] = (
                flagged.get(p.enrolment.programme_class_id, 0) + 1
            )
    for c in classes:
        c.flagged = flagged.get(c.pk, 0)
    return classes, status, programme


@require_GET
def class_list(request: HttpRequest) -> HttpResponse:
    classes, status, programme = _class_list_selection(request)
    return render(
        request,
        "programmes/class_list.html",
        {
            "classes": classes,
            "status": status,
            "statuses": [
                (ClassStatus.OPEN, ClassStatus.OPEN.label),
                (ClassStatus.COMPLETED, ClassStatus.COMPLETED.label),
                ("all", _("All")),
            ],
            "programmes": selectors.active_programmes(),
            "selected_programme": programme,
            "may_create": can(request.user, Action.BOOK),
            "today": timezone.localdate(),
        },
    )


def _class_state(klass: ProgrammeClass, today: date) -> str:
    """The class's state in words, as the list shows it."""
    if klass.status == ClassStatus.COMPLETED:
        return str(klass.get_status_display())
    return _("Not started") if klass.start_date > today else _("Running")


@require_GET
def class_list_xlsx(request: HttpRequest) -> FileResponse:
    """The class list as an Excel workbook (classes and counts: no citizen is named)."""
    classes, status, _programme = _class_list_selection(request)
    audit_record(actor=request.user, kind=AccessLog.Kind.READ, operation="export_class_list")
    today = timezone.localdate()
    return xlsx_response(
        dated_filename("hold"),
        _("Classes"),
        [
            _("Class"),
            _("Programme"),
            _("Location"),
            _("First session"),
            _("Last session"),
            _("Places taken"),
            _("Places"),
            _("Staff"),
            _("Status"),
            _("Citizens who missed sessions in a row"),
        ],
        (
            [
                c.name,
                c.programme.name,
                str(c.location),
                c.start_date,
                c.end_date,
                c.taken,
                c.capacity,
                ", ".join(str(s) for s in c.staff.all()),
                _class_state(c, today),
                c.flagged,
            ]
            for c in classes
        ),
        notes=[_("All") if status == "all" else str(ClassStatus(status).label)],
        column_widths=(30, 26, 22, 12, 12, 8, 8, 36, 12, 12),
    )


@require_http_methods(["GET", "POST"])
def class_create_view(request: HttpRequest) -> HttpResponse:
    _require(request, Action.BOOK)
    actor = request.user
    programmes = selectors.active_programmes()
    chosen = request.GET.get("programme", "")
    initial: dict[str, Any] = {"start_time": "10:00"}
    if chosen.isdigit() and (programme := programmes.filter(pk=int(chosen)).first()):
        initial.update(programme=programme.pk, capacity=programme.default_capacity)
    form = ClassForm(
        request.POST or None,
        initial=initial,
        municipality_id=actor.municipality_id,
        staff=selectors.class_staff_candidates(municipality_id=actor.municipality_id),
        programmes=programmes,
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                klass = class_create(
                    actor=actor,
                    draft=ClassDraft(
                        programme=data["programme"],
                        location=data["location"],
                        start_date=data["start_date"],
                        start_time=data["start_time"],
                        staff=list(data["staff"]),
                        capacity=data["capacity"],
                        team=data["team"],
                        name=data["name"],
                    ),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("The class has been created with %(count)d sessions in the staff calendars.")
                    % {"count": klass.sessions.count()},
                )
                return redirect("programmes:class_detail", pk=klass.pk)
    return render(
        request,
        "programmes/class_create.html",
        {"form": form},
        status=status,
    )


def _talk_suggestions(
    klass: ProgrammeClass, talk: rules.PlannedTalk, staff: User | None, now: datetime
) -> list:
    if staff is None:
        return []
    today = timezone.localdate(now)
    first_day = max(today, klass.start_date + timedelta(days=talk.offset_days))
    return free_slots(
        staff=staff,
        first_day=first_day,
        last_day=first_day + timedelta(days=13),
        duration_minutes=talk.definition.duration_minutes,
        default_location=klass.location,
        not_before=suggestion_not_before(now),
        limit=TALK_SUGGESTIONS,
    )


def _has_ended(planned_sessions: Sequence[ClassSession], now: datetime) -> bool:
    """Every planned session of the class is over (and it had one): time to complete it."""
    return bool(planned_sessions) and all(s.end <= now for s in planned_sessions)


def class_page(
    request: HttpRequest,
    klass: ProgrammeClass,
    *,
    talk_form: tuple[int, TalkForm] | None = None,
    move_form: tuple[int, SessionMoveForm] | None = None,
    complete_form: CompleteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render the class page; also re-shows a refused form with what was typed."""
    actor = request.user
    now = timezone.now()
    staff = list(klass.staff.order_by("first_name", "last_name"))
    sessions = list(
        klass.sessions.select_related("location")
        .prefetch_related(
            Prefetch("staffing", queryset=SessionStaff.objects.select_related("staff"))
        )
        .annotate(
            present=Count("attendances", filter=Q(attendances__status=AttendanceStatus.PRESENT)),
            registered=Count("attendances"),
        )
        .order_by("start", "number")
    )
    planned_sessions = [s for s in sessions if s.status == SessionStatus.PLANNED]
    ended = _has_ended(planned_sessions, now)
    enrolments = selectors.class_enrolments(klass, actor=actor)
    progress = selectors.progress_for(enrolments, now=now)
    definitions = selectors.definitions_of(klass.programme)
    talk_plan = rules.plan_talks(definitions)
    is_open = klass.status == ClassStatus.OPEN
    may_book = can(actor, Action.BOOK)
    may_manage = can(actor, Action.MANAGE_PATHWAY)

    suggestions_by_number: dict[int, list] = {}
    rows = []
    for e in enrolments:
        p = progress[e.pk]
        taken = {t.number for t in p.talks if t.appointment.status in BUSY_STATUSES}
        next_talk = next((t for t in talk_plan if t.number not in taken), None)
        row: dict[str, Any] = {"enrolment": e, "progress": p, "next_talk": next_talk}
        if next_talk is not None and e.status == EnrolmentStatus.ENROLLED and is_open and may_book:
            allowed = set(next_talk.definition.professions)
            holders = [u for u in staff if not allowed or u.profession in allowed]
            holder = klass.lead if klass.lead in holders else (holders[0] if holders else None)
            if next_talk.number not in suggestions_by_number:
                suggestions_by_number[next_talk.number] = _talk_suggestions(
                    klass, next_talk, holder, now
                )
            row["suggestions"] = suggestions_by_number[next_talk.number]
            row["default_mode"] = next_talk.definition.default_mode
            if talk_form is not None and talk_form[0] == e.pk:
                row["talk_form"] = talk_form[1]
            else:
                row["talk_form"] = TalkForm(
                    staff=klass.staff.all(),
                    initial={
                        "staff": holder.pk if holder else None,
                        "mode": next_talk.definition.default_mode,
                        "number": next_talk.number,
                        "date": max(
                            timezone.localdate(now),
                            klass.start_date + timedelta(days=next_talk.offset_days),
                        ),
                    },
                    auto_id=f"id_talk{e.pk}_%s",
                )
        rows.append(row)

    waiting = []
    if is_open and not ended:
        waiting = selectors.waiting_list(actor=actor, programme_class=klass)
    taken_places = selectors.places_taken(klass)
    audit_reads(actor=actor, operation="class_detail", objects=[*enrolments, *waiting])

    completion_rows = []
    if is_open and ended:
        enrolled = [e for e in enrolments if e.status == EnrolmentStatus.ENROLLED]
        complete_form = complete_form or CompleteForm(
            enrolments=[e for e in enrolled if not progress[e.pk].meets_rule]
        )
        completion_rows = [
            {
                "enrolment": e,
                "progress": progress[e.pk],
                "field": complete_form[f"reason_{e.pk}"]
                if f"reason_{e.pk}" in complete_form.fields
                else None,
            }
            for e in enrolled
        ]
    move_forms = {}
    for s in sessions:
        if move_form is not None and move_form[0] == s.pk:
            move_forms[s.pk] = move_form[1]
    for s in sessions:
        s.move_form = move_forms.get(s.pk) or SessionMoveForm(
            municipality_id=klass.municipality_id,
            initial={
                "date": timezone.localdate(s.start),
                "time": timezone.localtime(s.start).strftime("%H:%M"),
                "location": s.location_id,
            },
            auto_id=f"id_move{s.pk}_%s",
        )
        s.may_move = is_open and may_book and s.status == SessionStatus.PLANNED and s.start > now
        s.has_begun = s.start <= now
    return render(
        request,
        "programmes/class_detail.html",
        {
            "klass": klass,
            "programme": klass.programme,
            "staff": staff,
            "sessions": sessions,
            "rows": rows,
            "hidden": selectors.hidden_enrolments(klass, actor=actor),
            "waiting": waiting,
            "taken": taken_places,
            "full": taken_places >= klass.capacity,
            "ended": ended,
            "is_open": is_open,
            "may_book": may_book,
            "may_manage": may_manage,
            "talk_plan": talk_plan,
            "completion_rows": completion_rows,
            "complete_form": complete_form,
            "drop_out_form": DropOutForm(),
            "now": now,
        },
        status=status,
    )


@require_GET
def class_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return class_page(request, _get_class(request, pk))


def _talks_text(progress: selectors.Progress) -> str:
    return "; ".join(
        f"{t.number}. {formats.date_format(timezone.localtime(t.appointment.start), 'D j. M H:i')}"
        f", {t.get_mode_display().lower()}, {t.appointment.staff} "
        f"({t.appointment.get_status_display()})"
        for t in progress.talks
    )


@require_GET
def class_participants_xlsx(request: HttpRequest, pk: int) -> FileResponse:
    """The class's citizens and waiting list as Excel: the same rows as the class page (only
    citizens the user has a care relation to, masked CPR numbers), each citizen an audited read."""
    klass = _get_class(request, pk)
    actor = request.user
    now = timezone.now()
    enrolments = selectors.class_enrolments(klass, actor=actor)
    progress = selectors.progress_for(enrolments, now=now)
    planned = list(klass.sessions.filter(status=SessionStatus.PLANNED))
    waiting: list[Referral] = []
    if klass.status == ClassStatus.OPEN and not _has_ended(planned, now):
        waiting = selectors.waiting_list(actor=actor, programme_class=klass)
    hidden = selectors.hidden_enrolments(klass, actor=actor)
    audit_reads(
        actor=actor,
        operation="export_class_participants",
        objects=one_per_citizen([*enrolments, *waiting]),
    )
    period = formats.date_format(klass.start_date, "j. F Y")
    notes = [f"{klass.programme.name}, {klass.location}, {period}"]
    if hidden:
        notes.append(
            ngettext(
                "%(n)d more citizen you have no care relation to.",
                "%(n)d more citizens you have no care relation to.",
                hidden,
            )
            % {"n": hidden}
        )

    def write(out: IO[bytes]) -> None:
        workbook = new_workbook()
        write_table_sheet(
            workbook,
            title=f"{klass.name}: " + _("Citizens"),
            sheet=_("Citizens"),
            notes=notes,
            header=[
                _("Citizen"),
                _("CPR number"),
                _("Status"),
                _("Dropout reason"),
                _("Pathway"),
                _("Attended"),
                _("Held"),
                _("Attended (%)"),
                _("Needed to complete"),
                _("Planned"),
                _("Missed in a row"),
                _("Individual sessions"),
            ],
            rows=(
                [
                    e.citizen.full_name,
                    e.citizen.cpr_masked,  # as on the page: never the full number
                    e.get_status_display(),
                    str(e.dropout_reason or ""),
                    e.pathway.get_status_display(),
                    p.attended,
                    p.held,
                    p.percent,
                    p.needed,
                    p.planned,
                    p.streak,
                    _talks_text(p),
                ]
                for e in enrolments
                for p in (progress[e.pk],)
            ),
            column_widths=(26, 13, 12, 24, 14, 9, 9, 9, 10, 9, 9, 60),
        )
        if klass.status == ClassStatus.OPEN and not _has_ended(planned, now):
            write_table_sheet(
                workbook,
                title=f"{klass.name}: " + _("Waiting list"),
                sheet=_("Waiting list"),
                header=[
                    _("Citizen"),
                    _("CPR number"),
                    _("Referral"),
                    _("Level / area"),
                    _("Pathway open"),
                    _("Received"),
                ],
                rows=(
                    [
                        r.citizen.full_name,
                        r.citizen.cpr_masked,
                        r.referral_type.name,
                        r.subtype_display,
                        _("Yes") if r.status == Referral.Status.ACCEPTED else "",
                        r.received_date,
                    ]
                    for r in waiting
                ),
                column_widths=(26, 13, 24, 24, 10, 12),
            )
        workbook.save(out)

    return workbook_response(dated_filename(f"hold-{klass.pk}"), write)


@require_POST
def enrol(request: HttpRequest, pk: int) -> HttpResponse:
    klass = _get_class(request, pk, Action.BOOK)
    form = EnrolForm(request.POST)
    if not form.is_valid():
        raise Http404
    referral = get_for_actor(
        actor=request.user,
        queryset=Referral.objects.select_related("citizen"),
        pk=form.cleaned_data["referral"],
        operation="class_enrol",
        action=Action.BOOK,
    )
    try:
        class_enrol(actor=request.user, programme_class=klass, referral=referral)
    except ValidationError as exc:
        messages.error(request, first_error(exc))
    else:
        messages.success(
            request,
            _("%(citizen)s has been enrolled.") % {"citizen": referral.citizen.full_name},
        )
    return redirect("programmes:class_detail", pk=klass.pk)


@require_POST
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    klass = _get_class(request, pk, Action.MANAGE_PATHWAY)
    enrolled = list(
        klass.enrolments.filter(status=EnrolmentStatus.ENROLLED).select_related("citizen")
    )
    form = CompleteForm(request.POST, enrolments=enrolled)
    if form.is_valid():
        try:
            result = class_complete(
                actor=request.user, programme_class=klass, reasons=form.reasons()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The class has been completed: %(completed)d completed, %(dropped)d dropped out.")
                % {"completed": result.completed, "dropped": result.dropped_out},
            )
            return redirect("programmes:class_detail", pk=klass.pk)
    return class_page(request, klass, complete_form=form, status=422)


# --- sessions -------------------------------------------------------------------------------------


@require_POST
def session_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    session = _get_session(request, pk, Action.BOOK)
    klass = session.programme_class
    form = SessionMoveForm(
        request.POST, municipality_id=klass.municipality_id, auto_id=f"id_move{session.pk}_%s"
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            session_move(
                actor=request.user,
                session=session,
                start=timezone.make_aware(datetime.combine(data["date"], data["time"])),
                location=data["location"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Session %(number)d has been moved.") % {"number": session.number}
            )
            return redirect("programmes:class_detail", pk=klass.pk)
    return class_page(
        request, _get_class(request, klass.pk), move_form=(session.pk, form), status=422
    )


@require_POST
def session_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    session = _get_session(request, pk, Action.BOOK)
    try:
        session_cancel(actor=request.user, session=session)
    except ValidationError as exc:
        messages.error(request, first_error(exc))
    else:
        messages.success(
            request, _("Session %(number)d has been cancelled.") % {"number": session.number}
        )
    return redirect("programmes:class_detail", pk=session.programme_class_id)


def _attendance_rows(session: ClassSession, enrolments: list[Enrolment]) -> list[dict[str, Any]]:
    marks = dict(
        session.attendances.filter(enrolment__in=enrolments).values_list("enrolment_id", "status")
    )
    return [{"enrolment": e, "mark": marks.get(e.pk, "")} for e in enrolments]


@require_GET
def session_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """One screen for the whole class: one click per citizen."""
    session = _get_session(request, pk)
    klass = session.programme_class
    enrolments = selectors.class_enrolments(klass, actor=request.user)
    audit_reads(actor=request.user, operation="session_attendance", objects=enrolments)
    rows = _attendance_rows(session, enrolments)
    now = timezone.now()
    siblings = list(klass.sessions.filter(status=SessionStatus.PLANNED).order_by("start", "number"))
    index = next((i for i, s in enumerate(siblings) if s.pk == session.pk), None)
    return render(
        request,
        "programmes/attendance.html",
        {
            "session": session,
            "klass": klass,
            "rows": rows,
            "statuses": AttendanceStatus.choices,
            "begun": session.start <= now,
            "may_book": can(request.user, Action.BOOK) and klass.status == ClassStatus.OPEN,
            "present": sum(1 for r in rows if r["mark"] == AttendanceStatus.PRESENT),
            "unregistered": sum(
                1
                for r in rows
                if not r["mark"] and r["enrolment"].status == EnrolmentStatus.ENROLLED
            ),
            "previous": siblings[index - 1] if index else None,
            "next": siblings[index + 1]
            if index is not None and index + 1 < len(siblings)
            else None,
            "hidden": selectors.hidden_enrolments(klass, actor=request.user),
        },
    )


@require_POST
def attendance_all_present_view(request: HttpRequest, pk: int) -> HttpResponse:
    session = _get_session(request, pk, Action.BOOK)
    enrolments = selectors.class_enrolments(session.programme_class, actor=request.user)
    try:
        count = attendance_all_present(actor=request.user, session=session, enrolments=enrolments)
    except ValidationError as exc:
        messages.error(request, first_error(exc))
    else:
        messages.success(request, _("%(count)d citizens registered as present.") % {"count": count})
    return redirect("programmes:session_attendance", pk=session.pk)


@require_POST
def attendance_set_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Set one citizen's attendance; htmx gets the row back, a plain form post a redirect."""
    enrolment = _get_enrolment(request, pk, "attendance_set", Action.BOOK)
    form = AttendanceForm(request.POST)
    session = None
    error = ""
    if form.is_valid():
        session = (
            ClassSession.objects.filter(
                pk=form.cleaned_data["session"], programme_class_id=enrolment.programme_class_id
            )
            .select_related("programme_class")
            .first()
        )
    if session is None:
        error = _("Choose a session of this class and present, absent or cancelled in advance.")
    else:
        try:
            attendance_set(
                actor=request.user,
                session=session,
                enrolment=enrolment,
                status=form.cleaned_data["status"],
            )
        except ValidationError as exc:
            error = first_error(exc)
    if request.htmx and session is not None:
        enrolment.refresh_from_db()
        [row] = _attendance_rows(session, [enrolment])
        return render(
            request,
            "programmes/_attendance_row.html",
            {
                "row": row,
                "session": session,
                "statuses": AttendanceStatus.choices,
                "may_book": True,
                "error": error,
            },
        )
    if error:
        messages.error(request, error)
    if session is None:
        return redirect("programmes:class_detail", pk=enrolment.programme_class_id)
    return redirect(
        reverse("programmes:session_attendance", args=[session.pk]) + f"#e{enrolment.pk}"
    )


# --- one citizen on the class ---------------------------------------------------------------------


@require_POST
def drop_out(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _get_enrolment(request, pk, "enrolment_drop_out", Action.MANAGE_PATHWAY)
    form = DropOutForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a dropout reason."))
    else:
        try:
            enrolment_drop_out(
                actor=request.user,
                enrolment=enrolment,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, first_error(exc))
        else:
            messages.success(
                request,
                _("%(citizen)s has left the class.") % {"citizen": enrolment.citizen.full_name},
            )
    return redirect("programmes:class_detail", pk=enrolment.programme_class_id)


@require_POST
def book_talk(request: HttpRequest, pk: int) -> HttpResponse:
    """Book an individual session for one citizen (through scheduling's booking service)."""
    enrolment = _get_enrolment(request, pk, "talk_book", Action.BOOK)
    klass = enrolment.programme_class
    form = TalkForm(request.POST, staff=klass.staff.all(), auto_id=f"id_talk{enrolment.pk}_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            talk = talk_book(
                actor=request.user,
                enrolment=enrolment,
                staff=data["staff"],
                start=timezone.make_aware(datetime.combine(data["date"], data["time"])),
                mode=data["mode"],
                number=data["number"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Individual session %(number)d for %(citizen)s has been booked.")
                % {"number": talk.number, "citizen": enrolment.citizen.full_name},
            )
            return redirect("programmes:class_detail", pk=klass.pk)
    return class_page(
        request, _get_class(request, klass.pk), talk_form=(enrolment.pk, form), status=422
    )
