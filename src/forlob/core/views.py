from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from forlob.access.policy import Action, can
from forlob.monitoring import selectors as kpi


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    this_month = kpi.month_bounds(today)[0]
    last_month = kpi.month_bounds(this_month - timedelta(days=1))[0]
    context: dict[str, object] = {
        "today": today,
        # The inbox tiles link to the inbox only for those who may open it (not managers).
        "inbox_url": reverse("referrals:inbox") if can(request.user, Action.VIEW_RECORD) else "",
    }
    if can(request.user, Action.VIEW_AGGREGATES):
        context.update(
            counts=kpi.inbox_counts(actor=request.user, today=today),
            this_month=this_month,
            last_month=last_month,
        )
        kpi_this = kpi.gop_offered_within_deadline(
            actor=request.user, month_start=this_month, today=today
        )
        kpi_last = kpi.gop_offered_within_deadline(
            actor=request.user, month_start=last_month, today=today
        )
        context["kpi_rows"] = [
            {"this": a, "cells": [a, b]} for a, b in zip(kpi_this, kpi_last, strict=True)
        ]
        from forlob.questionnaires.selectors import home_tiles

        context["questionnaire_tiles"] = home_tiles(actor=request.user, today=today)
    return render(request, "core/home.html", context)
