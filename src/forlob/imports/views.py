"""Bulk import pages: upload, the preview with every error, import, and the progress box.

* ``index``: the upload form for the kinds the user may import, the schemas and templates, and
  the user's own latest imports.
* ``job_detail``: status and progress, the errors (row, column, message), the preview of the
  first rows, and the "Import" button — shown only when the check found no error.
* ``job_status``: the progress box alone, polled by htmx every second while the job runs; when
  it has finished, htmx reloads the whole page (``HX-Refresh``) so the result shows. Without
  JavaScript the page offers a reload link.

A job belongs to the user who uploaded it; another user's job answers 404.
"""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forlob.core.choices import Role
from forlob.core.forms import add_service_errors, first_error
from forlob.core.models import User
from forlob.imports.forms import UploadForm
from forlob.imports.kinds import get_kind
from forlob.imports.models import ImportJob, ImportKind
from forlob.imports.parsing import STATUS_LABELS, location
from forlob.imports.selectors import job_for_actor, job_progress, jobs_for
from forlob.imports.services import (
    import_job_commit,
    import_job_create,
    import_job_discard,
    kinds_for,
    max_rows,
    may_import,
    summary_text,
)
from forlob.referrals.models import ReferralType

MESSAGE_QUEUED = gettext_noop("The import runs in the background. You can leave this page.")
MESSAGE_IMPORTED = gettext_noop("Imported: %(summary)s.")
MESSAGE_DISCARDED = gettext_noop("The upload was discarded; nothing was imported.")

TEMPLATE_NAMES = {
    ImportKind.REFERRALS: "henvisninger",
    ImportKind.STAFF: "medarbejdere",
    ImportKind.CALENDARS: "kalendere",
}


def _kinds(request: HttpRequest) -> list[str]:
    kinds = kinds_for(request.user)
    if not kinds:
        raise PermissionDenied
    return kinds


def _job(request: HttpRequest, pk: int) -> ImportJob:
    _kinds(request)
    job = job_for_actor(actor=request.user, pk=pk)  # type: ignore[arg-type]
    if not may_import(request.user, job.kind):
        raise PermissionDenied
    return job


def _schemas(kinds: list[str]) -> list[dict[str, object]]:
    labels = dict(ImportKind.choices)
    out = []
    for key in kinds:
        kind = get_kind(key)
        values: list[tuple[str, str]] = []
        if key == ImportKind.REFERRALS:
            values = [(t.code, t.name) for t in ReferralType.objects.filter(is_active=True)]
        elif key == ImportKind.STAFF:
            values = [(str(code), str(label)) for code, label in Role.choices]
        out.append(
            {
                "key": key,
                "label": labels[key],
                "columns": kind.columns,
                "values": values,
            }
        )
    return out


@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    kinds = _kinds(request)
    actor: User = request.user  # type: ignore[assignment]
    form = UploadForm(request.POST or None, request.FILES or None, kinds=kinds)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = import_job_create(
                    actor=actor,
                    kind=form.cleaned_data["kind"],
                    content=upload.read(),
                    filename=upload.name or "",
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect("imports:job", pk=job.pk)
        status = 422
    return render(
        request,
        "imports/index.html",
        {
            "form": form,
            "jobs": jobs_for(actor=actor),
            "schemas": _schemas(kinds),
            "max_rows": max_rows(),
        },
        status=status,
    )


def _job_context(job: ImportJob) -> dict[str, object]:
    kind = get_kind(job.kind)
    headers = [kind.column(k).danish for k in kind.preview_columns]
    return {
        "job": job,
        "progress": job_progress(job),
        "errors": [{**e, "location": location(e)} for e in job.errors],
        "more_errors": max(0, job.error_count - len(job.errors)),
        "headers": headers,
        "preview": [
            {**row, "status_label": _(STATUS_LABELS.get(row["status"], row["status"]))}
            for row in job.preview
        ],
        "summary": summary_text(job.summary),
    }


@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    response = render(request, "imports/job.html", _job_context(job))
    add_never_cache_headers(response)
    return response


@require_GET
def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress box, polled while the job runs; once it has finished, reload the page."""
    job = _job(request, pk)
    response = render(request, "imports/_job_status.html", _job_context(job))
    if request.htmx and not job.is_running:  # type: ignore[attr-defined]
        response["HX-Refresh"] = "true"
    add_never_cache_headers(response)
    return response


@require_POST
def job_commit(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    try:
        job = import_job_commit(actor=request.user, job=job)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, first_error(exc))
    else:
        if job.status == ImportJob.Status.DONE:
            messages.success(request, _(MESSAGE_IMPORTED) % {"summary": summary_text(job.summary)})
        elif job.is_running:
            messages.info(request, _(MESSAGE_QUEUED))
    return redirect("imports:job", pk=job.pk)


@require_POST
def job_discard(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    try:
        import_job_discard(actor=request.user, job=job)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, first_error(exc))
        return redirect("imports:job", pk=job.pk)
    messages.success(request, _(MESSAGE_DISCARDED))
    return redirect("imports:index")


@require_GET
def template(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """A template file for ``kind``: the Danish column names and example rows (made-up people)."""
    if kind not in ImportKind.values or fmt not in ("csv", "xlsx"):
        raise Http404
    if not may_import(request.user, kind):
        raise PermissionDenied
    spec = get_kind(kind)
    header = [c.danish for c in spec.columns]
    rows = spec.template_rows()
    name = f"{TEMPLATE_NAMES[kind]}-skabelon.{fmt}"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = TEMPLATE_NAMES[kind]
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        for cells in sheet.iter_cols(min_row=1, max_row=len(rows) + 1):
            for cell in cells:
                cell.number_format = "@"  # text: a CPR number keeps its leading zero
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
