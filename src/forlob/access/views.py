"""The audit pages: search and export the log, review emergency access, the citizen's report.

Administrators only (403 for everyone else: the pages are about the log, not a citizen record).
No CPR number ever travels in a URL: forms that take one are posted, and the log's filters live
in the session between the form and the pages and exports that follow (post/redirect/get).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forlob.access import audit
from forlob.access.forms import AuditFilterForm, InsightForm, ReviewForm
from forlob.access.models import AccessLog
from forlob.access.policy import Action, can
from forlob.access.selectors import (
    AuditFilters,
    audit_citizen,
    audit_citizen_by_cpr,
    audit_log_search,
    break_glass_pending,
    break_glass_recently_reviewed,
    describe_all,
    insight_entries,
)
from forlob.access.services import audit_record
from forlob.core.forms import first_error
from forlob.core.xlsx import workbook_response

SESSION_KEY = "forlob_audit_filters"
PAGE_SIZE = 50

MESSAGE_NO_CITIZEN = gettext_noop("No citizen of your municipality has this CPR number.")
MESSAGE_TOO_MANY_FOR_EXCEL = gettext_noop(
    "%(count)s entries are more than an Excel sheet holds. Narrow the search or export to CSV."
)
MESSAGE_REVIEWED = gettext_noop("The review has been saved.")


def _require_admin(request: HttpRequest) -> None:
    if not can(request.user, Action.ADMINISTER):
        raise PermissionDenied


def _filters(request: HttpRequest) -> AuditFilters:
    return AuditFilters.from_session(request.session.get(SESSION_KEY))


# --- the log --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def log(request: HttpRequest) -> HttpResponse:
    """Search the log. POST sets the filters (and exchanges a CPR number for the citizen)."""
    _require_admin(request)
    actor = request.user
    filters = _filters(request)
    if request.method == "POST":
        if "clear" in request.POST:
            request.session.pop(SESSION_KEY, None)
            return redirect("audit:log")
        form = AuditFilterForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            citizen_id = filters.citizen_id if data["keep_citizen"] else None
            if data["cpr"]:
                citizen = audit_citizen_by_cpr(actor=actor, cpr=data["cpr"])
                if citizen is None:
                    audit.audit_citizen_not_found(actor=actor, operation="audit_search")
                    form.add_error("cpr", _(MESSAGE_NO_CITIZEN))
                else:
                    citizen_id = citizen.pk
        if form.is_valid():
            request.session[SESSION_KEY] = AuditFilters(
                date_from=data["date_from"],
                date_to=data["date_to"],
                username=data["username"].strip(),
                operation=data["operation"].strip(),
                outcome=data["outcome"],
                kind=data["kind"],
                break_glass_only=data["break_glass_only"],
                citizen_id=citizen_id,
            ).to_session()
            return redirect("audit:log")
    else:
        initial = filters.to_session()
        initial.pop("citizen_id")
        initial.pop("until_id")
        form = AuditFilterForm(initial=initial)

    # Logged first. Opening the list (no page number) takes a fresh snapshot that includes this
    # look; the pages after it keep that snapshot, so new entries do not shift them.
    looked = audit.audit_search_record(actor=actor, filters=filters)
    if "page" not in request.GET:
        filters = replace(filters, until_id=looked.pk)
        request.session[SESSION_KEY] = filters.to_session()
    page = Paginator(audit_log_search(actor=actor, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    response = render(
        request,
        "access/log.html",
        {
            "form": form,
            "filters": filters,
            "citizen": audit_citizen(actor=actor, citizen_id=filters.citizen_id),
            "page": page,
            "rows": list(describe_all(page.object_list, municipality_id=actor.municipality_id)),
            "operations": AuditFilterForm.operations(),
        },
        status=422 if form.is_bound and form.errors else 200,
    )
    add_never_cache_headers(response)
    return response


def _filename(extension: str) -> str:
    return f"adgangslog-{timezone.localtime():%Y%m%d-%H%M}.{extension}"


@require_GET
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered log as CSV, streamed (bounded memory however long the log is)."""
    _require_admin(request)
    actor = request.user
    entries = audit.audit_export_start(actor=actor, filters=_filters(request))
    response = StreamingHttpResponse(
        audit.csv_lines(entries, municipality_id=actor.municipality_id),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    add_never_cache_headers(response)
    return response


@require_GET
def export_xlsx(request: HttpRequest) -> HttpResponse:
    """The filtered log as an Excel workbook, built in a temporary file (bounded memory)."""
    _require_admin(request)
    actor = request.user
    filters = _filters(request)
    count = audit_log_search(actor=actor, filters=filters).count()
    if count > audit.XLSX_MAX_ROWS:
        messages.error(request, _(MESSAGE_TOO_MANY_FOR_EXCEL) % {"count": count})
        return redirect("audit:log")
    entries = audit.audit_export_start(actor=actor, filters=filters)
    return workbook_response(
        _filename("xlsx"),
        lambda out: audit.write_xlsx(entries, municipality_id=actor.municipality_id, out=out),
    )


# --- emergency access -----------------------------------------------------------------------------


@require_GET
def break_glass(request: HttpRequest) -> HttpResponse:
    """Emergency accesses waiting for review, and the latest reviews."""
    _require_admin(request)
    actor = request.user
    pending = list(break_glass_pending(actor=actor))
    audit_record(actor=actor, kind=AccessLog.Kind.SEARCH, operation="break_glass_list")
    return render(
        request,
        "access/break_glass.html",
        {
            "pending": pending,
            "reviewed": list(break_glass_recently_reviewed(actor=actor)),
            "form": ReviewForm(),
        },
    )


@require_POST
def break_glass_review(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose justified or not justified."))
        return redirect("audit:break_glass")
    try:
        audit.break_glass_review(
            actor=request.user,
            grant_id=pk,
            decision=form.cleaned_data["decision"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        messages.error(request, first_error(exc))
    else:
        messages.success(request, _(MESSAGE_REVIEWED))
    return redirect("audit:break_glass")


# --- the citizen's report -------------------------------------------------------------------------


def _retention() -> dict[str, int | None]:
    days = settings.FORLOB_AUDIT_RETENTION_DAYS
    return {"retention_days": days, "retention_years": days // 365 if days % 365 == 0 else None}


@require_http_methods(["GET", "POST"])
def insight(request: HttpRequest) -> HttpResponse:
    """Indsigt i adgangslog: a printable report of every access to one citizen's data.

    The CPR number comes in a POST; the report is the answer to that POST (no URL holds it).
    """
    _require_admin(request)
    actor = request.user
    form = InsightForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        citizen = audit_citizen_by_cpr(actor=actor, cpr=data["cpr"])
        audit.audit_insight_record(actor=actor, citizen=citizen)
        if citizen is None:
            form.add_error("cpr", _(MESSAGE_NO_CITIZEN))
        else:
            now = timezone.localtime()
            kept_since = (now - timedelta(days=settings.FORLOB_AUDIT_RETENTION_DAYS)).date()
            response = render(
                request,
                "access/insight_report.html",
                {
                    "citizen": citizen,
                    "rows": insight_entries(
                        actor=actor,
                        citizen=citizen,
                        date_from=data["date_from"],
                        date_to=data["date_to"],
                    ),
                    "date_from": data["date_from"] or kept_since,
                    "date_to": data["date_to"] or now.date(),
                    "kept_since": kept_since,
                    **_retention(),
                    "generated_at": now,
                },
            )
            add_never_cache_headers(response)
            return response
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "access/insight_form.html", {"form": form}, status=status)
