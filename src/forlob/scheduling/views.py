from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from forlob.access.policy import Action, can, citizens_in_scope
from forlob.access.services import audit_reads, get_for_actor
from forlob.core.forms import add_service_errors, first_error
from forlob.core.models import User
from forlob.core.xlsx import dated_filename, one_per_citizen, xlsx_response
from forlob.pathways.views import get_pathway, pathway_page
from forlob.scheduling.forms import BookingForm
from forlob.scheduling.models import Appointment
from forlob.scheduling.selectors import appointments_for_staff, therapists_for
from forlob.scheduling.services import (
    appointment_book,
    appointment_cancel,
    appointment_decline,
    appointment_register_attendance,
)


@require_POST
def book(request: HttpRequest, pathway_pk: int) -> HttpResponse:
    pathway = get_pathway(request, pathway_pk, "appointment_book", Action.BOOK)
    form = BookingForm(
        request.POST,
        therapists=therapists_for(municipality_id=pathway.municipality_id),
        municipality_id=pathway.municipality_id,
    )
    if form.is_valid():
        data = form.cleaned_data
        start = timezone.make_aware(datetime.combine(data["date"], data["time"]))
        try:
            appointment_book(
                actor=request.user,
                pathway=pathway,
                staff=data["staff"],
                location=data["location"],
                start=start,
                duration_minutes=data["duration_minutes"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The appointment has been booked."))
            return redirect("pathways:detail", pk=pathway.pk)
    # Re-show the page with what was typed and why it was refused; nothing was saved.
    response = pathway_page(request, pathway, booking_form=form)
    response.status_code = 422
    return response


APPOINTMENT_ACTIONS = {
    "decline": lambda actor, appt: appointment_decline(actor=actor, appointment=appt),
    "cancel": lambda actor, appt: appointment_cancel(actor=actor, appointment=appt),
    "attended": lambda actor, appt: appointment_register_attendance(
        actor=actor, appointment=appt, attended=True
    ),
    "no_show": lambda actor, appt: appointment_register_attendance(
        actor=actor, appointment=appt, attended=False
    ),
}
ACTION_MESSAGES = {
    "decline": gettext_noop("The citizen declined the time. Book another time."),
    "cancel": gettext_noop("The appointment has been cancelled."),
    "attended": gettext_noop("Attendance has been registered."),
    "no_show": gettext_noop("Registered that the citizen did not show up."),
}


@require_POST
def appointment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    appointment = get_for_actor(
        actor=request.user,
        queryset=Appointment.objects.all(),
        pk=pk,
        operation=f"appointment_{action}",
        action=Action.BOOK,
    )
    try:
        APPOINTMENT_ACTIONS[action](request.user, appointment)
    except ValidationError as exc:
        messages.error(request, first_error(exc))
    else:
        messages.success(request, _(ACTION_MESSAGES[action]))
    return redirect("pathways:detail", pk=appointment.pathway_id)


def _day_selection(request: HttpRequest) -> tuple[User, QuerySet[User], date, list[Appointment]]:
    """One therapist's appointments on one day (default: the user's own, today), each marked
    ``citizen_visible`` when the user has a care relation to its citizen. The page and its Excel
    download both come from here."""
    if not can(request.user, Action.VIEW_RECORD):
        raise PermissionDenied
    therapists = therapists_for(municipality_id=request.user.municipality_id)
    staff = request.user
    staff_id = request.GET.get("staff", "")
    if staff_id.isdigit() and len(staff_id) < 19:
        staff = therapists.filter(pk=int(staff_id)).first() or request.user
    try:
        chosen = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        chosen = timezone.localdate()
    appointments = list(appointments_for_staff(staff=staff, day=chosen))
    # A colleague's day shows every busy time, but names only citizens the user has a care
    # relation to; each citizen named is a read of that citizen's data.
    visible = set(
        citizens_in_scope(request.user)
        .filter(pk__in={a.citizen_id for a in appointments})
        .values_list("pk", flat=True)
    )
    for appt in appointments:
        appt.citizen_visible = appt.citizen_id in visible
    return staff, therapists, chosen, appointments


@require_GET
def day(request: HttpRequest) -> HttpResponse:
    """One therapist's appointments on one day (default: the user's own, today)."""
    staff, therapists, chosen, appointments = _day_selection(request)
    audit_reads(
        actor=request.user,
        operation="calendar_day",
        objects=[a for a in appointments if a.citizen_visible],
    )
    return render(
        request,
        "scheduling/day.html",
        {
            "staff": staff,
            "therapists": therapists,
            "day": chosen,
            "previous": chosen.fromordinal(chosen.toordinal() - 1),
            "next": chosen.fromordinal(chosen.toordinal() + 1),
            "appointments": appointments,
            "xlsx_query": urlencode({"staff": staff.pk, "date": chosen.isoformat()}),
        },
    )


@require_GET
def day_xlsx(request: HttpRequest) -> FileResponse:
    """The day as an Excel workbook: the same appointments, names only where the page has them."""
    staff, _therapists, chosen, appointments = _day_selection(request)
    audit_reads(
        actor=request.user,
        operation="export_calendar_day",
        objects=one_per_citizen(a for a in appointments if a.citizen_visible),
    )
    busy = _("Busy (a citizen you have no care relation to)")
    return xlsx_response(
        dated_filename("kalender", chosen),
        _("Calendar"),
        [_("Start"), _("End"), _("Citizen"), _("Type"), _("Location"), _("Status")],
        (
            [
                a.start,
                a.end,
                a.citizen.full_name if a.citizen_visible else busy,
                a.pathway.pathway_type.name if a.citizen_visible else "",
                str(a.location),
                a.get_status_display(),
            ]
            for a in appointments
        ),
        notes=[f"{staff}, {formats.date_format(chosen, 'l j. F Y')}"],
        column_widths=(17, 17, 30, 24, 24, 14),
    )
