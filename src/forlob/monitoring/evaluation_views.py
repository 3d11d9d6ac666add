"""The evaluation page (``/monitoring/evaluation/``): an effect with its interval, in plain Danish.

Aggregates only ("see key figures"): no citizen is named or listed, and no estimate is shown for
groups under ``evaluation.MIN_PER_GROUP``. The form is a GET (it changes nothing), so a result
can be bookmarked and shared.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from forlob.access.policy import Action, can
from forlob.monitoring import evaluation
from forlob.monitoring.evaluation_data import (
    get_outcome,
    matching_units,
    stepped_wedge_units,
)
from forlob.monitoring.evaluation_forms import EvaluationForm


@require_GET
def evaluation_page(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Action.VIEW_AGGREGATES):
        raise PermissionDenied
    municipality_id = request.user.municipality_id  # type: ignore[union-attr]
    submitted = "outcome" in request.GET
    form = EvaluationForm(request.GET if submitted else None, municipality_id=municipality_id)
    context: dict[str, object] = {"form": form, "submitted": submitted}
    if submitted and form.is_valid() and municipality_id is not None:
        data = form.cleaned_data
        outcome = get_outcome(data["outcome"])
        assert outcome is not None  # the form's choices are the registry
        context["outcome"] = outcome
        try:
            if data["design"] == "stepped_wedge":
                collected = stepped_wedge_units(
                    municipality_id=municipality_id,
                    outcome=outcome,
                    group=form.intervention(),
                    team_ids=form.team_ids(),
                )
                estimate = evaluation.stepped_wedge_effect(
                    collected.units,
                    starts=form.starts(),
                    period=data["period"],
                    model=data["model"],
                )
            else:
                match_on = data["match_on"] or ["age", "sex", "new"]
                collected = matching_units(
                    municipality_id=municipality_id,
                    outcome=outcome,
                    intervention=form.intervention(),
                    comparison=form.comparison(),
                    use_function="function" in match_on,
                )
                estimate = evaluation.matched_effect(
                    collected.units,
                    covariates=match_on,
                    coarsen=data["method"] != "exact",
                )
                context["balance"] = evaluation.balance_table(collected.units, match_on)
        except evaluation.EvaluationError as exc:
            context["error"] = str(exc)
        else:
            context.update(
                estimate=estimate,
                sentences=evaluation.explain(estimate, outcome.wording),
                scale=outcome.wording.scale,
            )
        context["collected"] = collected
        context["without_outcome"] = (
            collected.without_outcome_treated + collected.without_outcome_control
        )
    return render(request, "monitoring/evaluation.html", context)
