"""The annual report (ask, follow its progress, download) and the shared dataset export."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from forlob.access.policy import Action, can
from forlob.core.forms import add_service_errors
from forlob.monitoring.dataset import build_dataset, dataset_zip
from forlob.monitoring.forms import DatasetForm, ReportForm
from forlob.monitoring.models import ReportRun
from forlob.monitoring.services import (
    dataset_export_record,
    report_download_record,
    report_file,
    report_request,
)
from forlob.monitoring.views import require_aggregates

RECENT_RUNS = 20


def _run_or_404(request: HttpRequest, pk: int) -> ReportRun:
    """A report of the user's own municipality; another's answers as a missing one."""
    run = (
        ReportRun.objects.select_related("unit", "requested_by")
        .filter(pk=pk, municipality_id=request.user.municipality_id)
        .first()
    )
    if run is None or request.user.municipality_id is None:
        raise Http404
    return run


@require_http_methods(["GET", "POST"])
def reports(request: HttpRequest) -> HttpResponse:
    require_aggregates(request)
    actor = request.user
    today = timezone.localdate()
    form = ReportForm(
        request.POST or None,
        initial={"year": today.year - 1 if today.month < 3 else today.year},
        municipality_id=actor.municipality_id,
    )
    if request.method == "POST" and form.is_valid():
        try:
            run = report_request(
                actor=actor,
                year=form.cleaned_data["year"],
                quarter=form.cleaned_data["quarter"],
                unit=form.cleaned_data["unit"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The report is being made. You can leave this page."))
            return redirect("monitoring:report", pk=run.pk)
    runs = ReportRun.objects.filter(municipality_id=actor.municipality_id).select_related(
        "unit", "requested_by"
    )[:RECENT_RUNS]
    return render(
        request,
        "monitoring/reports.html",
        {"form": form, "runs": runs},
    )


@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_aggregates(request)
    return render(request, "monitoring/report.html", {"run": _run_or_404(request, pk)})


@require_GET
def report_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress box alone, polled by htmx every two seconds until the report is finished."""
    require_aggregates(request)
    response = render(request, "monitoring/_report_status.html", {"run": _run_or_404(request, pk)})
    add_never_cache_headers(response)
    return response


@require_GET
def report_download(request: HttpRequest, pk: int) -> FileResponse:
    require_aggregates(request)
    run = _run_or_404(request, pk)
    path = report_file(run)
    if path is None:
        raise Http404
    report_download_record(actor=request.user, run=run)
    filename = f"forlob-aarsrapport-{run.year}{'-k' + str(run.quarter) if run.quarter else ''}.pdf"
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf"
    )
    add_never_cache_headers(response)
    return response


@require_http_methods(["GET", "POST"])
def dataset(request: HttpRequest) -> HttpResponse:
    """The pseudonymised dataset for sharing (analysts: "export datasets")."""
    if not can(request.user, Action.EXPORT):
        raise PermissionDenied
    actor = request.user
    form = DatasetForm(request.POST or None, initial={"year": timezone.localdate().year - 1})
    if request.method == "POST" and form.is_valid():
        municipality = actor.municipality
        if municipality is None:
            raise Http404
        data = build_dataset(
            municipality=municipality,
            year=form.cleaned_data["year"],
            key=form.cleaned_data["key"],
        )
        dataset_export_record(
            actor=actor, municipality=municipality, year=data.year, rows=data.pathways.height
        )
        response = HttpResponse(dataset_zip(data), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{data.stem}.zip"'
        add_never_cache_headers(response)
        return response
    return render(
        request,
        "monitoring/dataset.html",
        {"form": form},
    )
