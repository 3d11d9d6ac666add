"""The evaluation page: access, a known effect on pathways in the database, plain Danish."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from forlob.access.models import AccessLog
from forlob.monitoring import evaluation as ev
from forlob.monitoring.evaluation_data import (
    _OUTCOMES,
    HOMECARE_WORDING,
    Outcome,
    completion_values,
    register_outcome,
)
from forlob.pathways.models import Pathway, PathwayStatus
from tests.factories import CitizenFactory, TeamFactory, referral_type
from tests.helpers import tr

pytestmark = pytest.mark.usefixtures("frozen")
URL = reverse("monitoring:evaluation")
CPH = ZoneInfo("Europe/Copenhagen")


def make_pathways(org, team, n: int, *, completed: int, start: date, type_code: str = "gop",
                  step_days: int = 1) -> list[Pathway]:  # fmt: skip
    """``n`` pathways of ``team``, the first ``completed`` completed, the rest dropped out."""
    result = []
    for i in range(n):
        citizen = CitizenFactory(municipality=org.municipality)
        started = datetime.combine(start + timedelta(days=i * step_days), time(10), tzinfo=CPH)
        result.append(
            Pathway.objects.create(
                citizen=citizen,
                pathway_type=referral_type(type_code),
                municipality=org.municipality,
                team=team,
                status=PathwayStatus.COMPLETED if i < completed else PathwayStatus.DROPPED_OUT,
                started_at=started,
                ended_at=started + timedelta(days=60),
            )
        )
    return result


def test_access(client_for, manager, homecare_worker):
    assert client_for(None).get(URL).status_code == 302
    assert client_for(homecare_worker).get(URL).status_code == 403
    assert client_for(manager).post(URL).status_code == 405
    page = client_for(manager).get(URL)
    assert page.status_code == 200 and "estimate" not in page.context


def test_matching_on_completion_recovers_the_difference(client_for, manager, org_a, org_b):
    intervention_team = TeamFactory(unit=org_a.unit, name="Team Nord")
    make_pathways(org_a, intervention_team, 60, completed=48, start=date(2026, 1, 5))  # 80 %
    make_pathways(org_a, org_a.team, 80, completed=40, start=date(2026, 1, 5))  # 50 %
    make_pathways(org_b, org_b.team, 50, completed=0, start=date(2026, 1, 5))  # elsewhere
    citizen_names = list(Pathway.objects.values_list("citizen__first_name", flat=True)[:5])
    response = client_for(manager).get(
        URL,
        {"outcome": "completion", "design": "matching", "team": intervention_team.pk,
         "start": "2026-01-01", "end": "2026-05-31", "method": "coarsened",
         "match_on": ["sex"]},
    )  # fmt: skip
    assert response.status_code == 200
    estimate = response.context["estimate"]
    assert estimate.n_treated_total == 60 and estimate.n_control_total == 80  # only A's
    assert estimate.ci_low <= 0.30 <= estimate.ci_high
    assert estimate.effect == pytest.approx(0.30, abs=0.05)
    html = response.content.decode()
    assert 'data-testid="evaluation-sentence"' in html
    assert response.context["sentences"][1] == tr(ev.SENTENCE_N) % {
        "treated": estimate.n_treated,
        "control": estimate.n_control,
    }
    for name in citizen_names:
        assert name not in html
    assert not AccessLog.objects.exists()  # aggregates: no citizen data read


def test_open_pathways_have_no_outcome_and_are_counted_as_such(client_for, manager, org_a):
    team = TeamFactory(unit=org_a.unit)
    paths = make_pathways(org_a, team, 12, completed=6, start=date(2026, 1, 5))
    make_pathways(org_a, org_a.team, 12, completed=3, start=date(2026, 1, 5))
    Pathway.objects.filter(pk__in=[p.pk for p in paths[:2]]).update(status=PathwayStatus.ACTIVE)
    assert len(completion_values([p.pk for p in paths])) == 10
    response = client_for(manager).get(
        URL, {"outcome": "completion", "design": "matching", "team": team.pk, "match_on": ["sex"]}
    )
    assert response.context["without_outcome"] == 2
    assert response.context["estimate"].n_treated_total == 10
    # Small groups: a warning in plain words.
    assert any("12" in w or "10" in w for w in response.context["estimate"].warnings)


def test_too_few_shows_a_reason_not_a_number(client_for, manager, org_a):
    team = TeamFactory(unit=org_a.unit)
    make_pathways(org_a, team, 3, completed=2, start=date(2026, 1, 5))
    make_pathways(org_a, org_a.team, 30, completed=10, start=date(2026, 1, 5))
    response = client_for(manager).get(
        URL, {"outcome": "completion", "design": "matching", "team": team.pk}
    )
    assert "estimate" not in response.context
    assert response.context["error"].startswith(tr(ev.MESSAGE_TOO_FEW).split("%")[0])
    assert 'data-testid="evaluation-error"' in response.content.decode()


@pytest.fixture
def known_outcome():
    """A registered outcome (as homecare would register minutes): 100 minus 20 after the start
    of the pathway's team, plus noise; registered for the test only."""
    starts: dict[int, date] = {}
    rng = random.Random(4)

    def values(ids):
        out = {}
        for p in Pathway.objects.filter(pk__in=ids).select_related("team"):
            day = p.started_at.astimezone(CPH).date()
            after = p.team_id in starts and day >= starts[p.team_id]
            out[p.pk] = (
                100 + 3 * day.month + p.team_id % 7 * 5 - (20 if after else 0) + rng.gauss(0, 4)
            )
        return out

    outcome = Outcome(
        code="test_minutes", label="Test minutes", description="", wording=HOMECARE_WORDING,
        values=values,
    )  # fmt: skip
    register_outcome(outcome)
    yield starts
    _OUTCOMES.pop("test_minutes", None)


def test_stepped_wedge_on_teams_recovers_the_known_effect(
    client_for, manager, org_a, known_outcome
):
    teams = [org_a.team, *(TeamFactory(unit=org_a.unit, name=f"Distrikt {i}") for i in range(3))]
    for team in teams:
        make_pathways(org_a, team, 60, completed=30, start=date(2025, 7, 1), step_days=5)
    starts = {t.pk: date(2025, 9, 1) + timedelta(days=60 * i) for i, t in enumerate(teams)}
    known_outcome.update(starts)
    params = {
        "outcome": "test_minutes",
        "design": "stepped_wedge",
        "period": "month",
        **{f"start_{pk}": d.isoformat() for pk, d in starts.items()},
    }
    c = client_for(manager)
    for model in ("fixed", "mixed"):
        response = c.get(URL, {**params, "model": model})
        estimate = response.context["estimate"]
        assert estimate.ci_low <= -20 <= estimate.ci_high, model
        assert estimate.design == "stepped_wedge" and estimate.strata == 4
        sentence = response.context["sentences"][0]
        assert sentence.startswith(tr(HOMECARE_WORDING.less).split("%")[0])


def test_stepped_wedge_needs_a_start_and_dates_in_order(client_for, manager, org_a):
    c = client_for(manager)
    response = c.get(URL, {"outcome": "completion", "design": "stepped_wedge"})
    assert response.context["form"].non_field_errors()
    assert "estimate" not in response.context
    response = c.get(
        URL,
        {"outcome": "completion", "design": "matching", "start": "2026-05-01", "end": "2026-01-01"},
    )
    assert "end" in response.context["form"].errors
    response = c.get(URL, {"outcome": "no-such-outcome"})
    assert "outcome" in response.context["form"].errors


def test_completion_is_always_offered(client_for, manager):
    choices = dict(client_for(manager).get(URL).context["form"].fields["outcome"].choices)
    assert "completion" in choices


def test_measure_change_and_starting_function_level_come_from_the_measures_app(org_a):
    from forlob.measures.models import MeasureRecord
    from forlob.monitoring.evaluation_data import covariates, get_outcome

    [p, q] = make_pathways(org_a, org_a.team, 2, completed=2, start=date(2026, 1, 5))
    for pathway, start, end in ((p, "2.0", "1.5"), (q, "3.0", None)):
        for point, score in (("start", start), ("end", end)):
            if score is not None:
                MeasureRecord.objects.create(
                    citizen=pathway.citizen, pathway=pathway, instrument="fsiii",
                    time_point=point, measured_on=date(2026, 2, 1), primary_score=score,
                )  # fmt: skip
    # A correction: the newest start record counts.
    MeasureRecord.objects.create(
        citizen=p.citizen, pathway=p, instrument="fsiii", time_point="start",
        measured_on=date(2026, 2, 2), primary_score="2.5",
    )  # fmt: skip
    outcome = get_outcome("measure_fsiii")
    assert outcome.values([p.pk, q.pk]) == {p.pk: pytest.approx(-1.0)}
    assert covariates()["function"].values([p.pk, q.pk]) == {p.pk: 2.5, q.pk: 3.0}
