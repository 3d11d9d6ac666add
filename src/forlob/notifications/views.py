"""Reminder pages: failed messages, the proactive call list, and the citizen panel's actions."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from forlob.access.policy import Action, can
from forlob.access.services import audit_reads, get_for_actor
from forlob.citizens.models import Citizen
from forlob.core.forms import first_error
from forlob.core.xlsx import dated_filename, one_per_citizen, xlsx_response
from forlob.notifications.forms import CalledForm, CallListFilterForm, OptOutForm
from forlob.notifications.models import OutboundMessage
from forlob.notifications.selectors import CallRow, call_list, failed_messages
from forlob.notifications.services import (
    call_list_mark_called,
    citizen_set_opt_out,
    message_retry,
)


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """Redirect to the form's ``next`` (a local URL only), else ``fallback``."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


def _citizen_page(citizen_id: int) -> str:
    return reverse("citizens:detail", args=[citizen_id]) + "#reminders"


def _failed_selection(request: HttpRequest) -> list[OutboundMessage]:
    """Messages that did not reach citizens in the user's scope: the page and its download."""
    if not can(request.user, Action.VIEW_RECORD):
        raise PermissionDenied
    return list(failed_messages(actor=request.user, now=timezone.now()))


@require_GET
def failed_list(request: HttpRequest) -> HttpResponse:
    """Messages that did not reach citizens in the user's scope, newest first."""
    rows = _failed_selection(request)
    audit_reads(actor=request.user, operation="failed_messages", objects=rows)
    return render(
        request,
        "notifications/failed.html",
        {"rows": rows, "may_retry": can(request.user, Action.BOOK), "tab": "failed"},
    )


@require_GET
def failed_list_xlsx(request: HttpRequest) -> FileResponse:
    """The failed messages as an Excel workbook: the same rows, masked CPR numbers."""
    rows = _failed_selection(request)
    audit_reads(
        actor=request.user, operation="export_failed_messages", objects=one_per_citizen(rows)
    )
    return xlsx_response(
        dated_filename("fejlede-beskeder"),
        _("Failed messages"),
        [
            _("Citizen"),
            _("CPR number"),
            _("Channel"),
            _("Purpose"),
            _("Due"),
            _("Reason"),
            _("Attempts"),
        ],
        (
            [
                m.citizen.full_name,
                m.citizen.cpr_masked,  # as on the page: never the full number
                m.get_channel_display(),
                m.get_purpose_display(),
                m.due_at,
                m.last_error_display,
                m.attempts,
            ]
            for m in rows
        ),
        column_widths=(26, 13, 10, 22, 17, 40, 9),
    )


def _call_list_selection(request: HttpRequest) -> tuple[CallListFilterForm, int, list[CallRow]]:
    """Citizens with low health literacy and an appointment in the next days, for this request:
    the page and its download."""
    if not can(request.user, Action.VIEW_RECORD):
        raise PermissionDenied
    form = CallListFilterForm(request.GET or None)
    days = settings.FORLOB_CALL_LIST_DAYS
    if form.is_bound and form.is_valid() and form.cleaned_data["days"]:
        days = form.cleaned_data["days"]
    return form, days, call_list(actor=request.user, now=timezone.now(), days=days)


@require_GET
def call_list_view(request: HttpRequest) -> HttpResponse:
    """Citizens with low health literacy and an appointment in the next days: call them."""
    form, days, rows = _call_list_selection(request)
    shown = {row.citizen.pk: row.citizen for row in rows}
    audit_reads(actor=request.user, operation="call_list", objects=shown.values())
    return render(
        request,
        "notifications/call_list.html",
        {
            "rows": rows,
            "days": days,
            "form": form,
            "may_call": can(request.user, Action.BOOK),
            "tab": "call_list",
            "xlsx_query": urlencode({"days": days}),
        },
    )


@require_GET
def call_list_xlsx(request: HttpRequest) -> FileResponse:
    """The call list as an Excel workbook: the same rows, phone numbers, masked CPR numbers."""
    _form, days, rows = _call_list_selection(request)
    shown = {row.citizen.pk: row.citizen for row in rows}
    audit_reads(actor=request.user, operation="export_call_list", objects=shown.values())
    return xlsx_response(
        dated_filename("opkaldsliste"),
        _("Call list"),
        [
            _("Citizen"),
            _("CPR number"),
            _("Phone"),
            _("Appointment"),
            _("Where"),
            _("Reminder"),
            _("Reminder error"),
            _("Called"),
            _("Called by"),
            _("Note"),
        ],
        (
            [
                r.citizen.full_name,
                r.citizen.cpr_masked,  # as on the page: never the full number
                r.citizen.phone,
                r.event.start,
                r.event.where,
                r.reminder.get_status_display() if r.reminder else "",
                r.reminder.last_error_display if r.reminder and r.reminder.is_failed else "",
                r.call.called_at if r.call else None,
                str(r.call.called_by or "") if r.call else "",
                r.call.note if r.call else "",
            ]
            for r in rows
        ),
        notes=[
            ngettext(
                "Appointments within the next %(n)d day.",
                "Appointments within the next %(n)d days.",
                days,
            )
            % {"n": days}
        ],
        column_widths=(26, 13, 14, 17, 20, 12, 30, 17, 20, 40),
    )


@require_POST
def mark_called(request: HttpRequest, pk: int) -> HttpResponse:
    citizen = get_for_actor(
        actor=request.user,
        queryset=Citizen.objects.all(),
        pk=pk,
        operation="call_list_called",
        action=Action.BOOK,
        citizen_field="",
    )
    form = CalledForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The call could not be registered; the note may be too long."))
    else:
        try:
            call_list_mark_called(
                actor=request.user,
                citizen=citizen,
                event_key=form.cleaned_data["event_key"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, first_error(exc))
        else:
            messages.success(
                request, _("The call to %(name)s is registered.") % {"name": citizen.full_name}
            )
    return _back(request, reverse("notifications:call_list"))


@require_POST
def opt_out(request: HttpRequest, pk: int) -> HttpResponse:
    citizen = get_for_actor(
        actor=request.user,
        queryset=Citizen.objects.all(),
        pk=pk,
        operation="reminder_opt_out",
        action=Action.BOOK,
        citizen_field="",
    )
    form = OptOutForm(request.POST)
    form.is_valid()  # two optional check boxes: always valid
    citizen_set_opt_out(
        actor=request.user,
        citizen=citizen,
        sms_opt_out=form.cleaned_data["sms_opt_out"],
        email_opt_out=form.cleaned_data["email_opt_out"],
    )
    messages.success(request, _("The citizen's choice of reminders is saved."))
    return redirect(_citizen_page(citizen.pk))


@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_for_actor(
        actor=request.user,
        queryset=OutboundMessage.objects.all(),
        pk=pk,
        operation="message_retry",
        action=Action.BOOK,
    )
    try:
        message_retry(actor=request.user, message=message)
    except ValidationError as exc:
        messages.error(request, first_error(exc))
    else:
        messages.success(request, _("The message will be sent again in a moment."))
    return _back(request, _citizen_page(message.citizen_id))
