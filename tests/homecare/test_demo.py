"""The everyday-rehabilitation part of the demo municipality (forlob.demo.homecare).

Generated once for the module (scale 0.3) inside a transaction rolled back at the end.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from django.db import transaction
from django.urls import reverse

from forlob.core.choices import Role
from forlob.core.models import Provider, User
from forlob.demo.generator import PASSWORD, DemoSummary, generate
from forlob.homecare import selectors
from forlob.homecare.models import (
    CareGroup,
    Outcome,
    ProviderKeyPerson,
    RehabCase,
    Stage,
    Visit,
    WeeklyEvaluation,
)
from forlob.pathways.models import Pathway, PathwayStatus

TODAY = date(2026, 3, 16)  # a Monday

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: object) -> Iterator[DemoSummary]:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        outer = transaction.atomic()
        outer.__enter__()
        try:
            summary = generate(seed=5, today=TODAY, scale=0.3)
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield summary
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


def test_two_municipal_and_two_private_providers_with_staff(demo):
    providers = Provider.objects.all()
    assert Counter(p.kind for p in providers) == {"municipal": 2, "private": 2}
    for provider in providers:
        staff = User.objects.filter(provider=provider)
        assert staff.filter(role_assignments__role=Role.HOMECARE_WORKER).count() >= 3
        assert staff.filter(role_assignments__role=Role.PROVIDER_STAFF).count() >= 1
        assert CareGroup.objects.filter(provider=provider).count() == 2
        assert ProviderKeyPerson.objects.filter(provider=provider).exists()
    assert demo.counts["homecare_cases"] == RehabCase.objects.count()


@pytest.mark.parametrize(
    ("username", "role", "kind"),
    [
        ("privat", Role.PROVIDER_STAFF, "private"),
        ("hjemmepleje", Role.HOMECARE_WORKER, "municipal"),
    ],
)
def test_demo_logins_see_their_driving_list_today(demo, client, username, role, kind):
    assert client.login(username=username, password=PASSWORD)
    user = User.objects.get(username=username)
    assert user.role_codes == {role} and user.provider.kind == kind
    with _today():
        response = client.get(reverse("homecare:driving_list"))
    assert response.status_code == 200
    visits = response.context["visits"]
    assert visits, "the demo login has no visits today"
    assert all(v.provider_id == user.provider_id and v.staff == user for v in visits)
    assert any(v.is_rehab for v in visits)
    with _today():
        index = client.get(reverse("homecare:index"))
    shown = [c for g in index.context["groups"] for c in g.cases]
    assert shown and all(c.provider_id == user.provider_id for c in shown)


def _today():
    import time_machine

    from tests.helpers import at

    return time_machine.travel(at(TODAY, 9), tick=False)


def test_every_everyday_rehab_pathway_has_a_case_that_follows_it(demo):
    pathways = Pathway.objects.filter(pathway_type__code="everyday_rehab")
    assert pathways.count() == RehabCase.objects.count() >= 30
    for case in RehabCase.objects.select_related("pathway", "assessment", "grant", "start_meeting"):
        status = case.pathway.status
        assert case.pathway.provider_id == case.provider_id
        if status in (PathwayStatus.COMPLETED, PathwayStatus.DROPPED_OUT):
            assert case.stage == Stage.ENDED
            assert (case.outcome == Outcome.DROPPED_OUT) == (status == PathwayStatus.DROPPED_OUT)
        elif status == PathwayStatus.CANCELLED:
            assert case.stage == Stage.NOT_GRANTED
        elif status == PathwayStatus.ACTIVE:
            assert case.stage == Stage.ACTIVE
            assert case.goals.exists() and case.actions.exists()
        if case.stage in (Stage.ACTIVE, Stage.ENDED) and case.outcome != Outcome.DROPPED_OUT:
            assert case.service_lines.filter(purpose="shadow").exists()
            assert case.grant.start <= case.grant.end
            assert (case.grant.end - case.grant.start).days < 12 * 7 + 40


def test_outcomes_are_plausible(demo):
    row = selectors.outcome_shares(
        municipality_id=RehabCase.objects.first().municipality_id,
        start=TODAY - timedelta(days=364),
        end=TODAY,
    )
    assert row.total >= 20
    assert 0.3 <= row.share(Outcome.SELF_RELIANT) <= 0.65
    assert 0.2 <= row.share(Outcome.LESS_HELP) <= 0.55
    assert row.share(Outcome.SELF_RELIANT) + row.share(Outcome.LESS_HELP) >= 0.7


def test_visits_are_made_by_the_providers_own_staff(demo):
    visits = Visit.objects.select_related("staff")
    assert visits.filter(is_rehab=True).exists() and visits.filter(is_rehab=False).exists()
    assert all(v.staff.provider_id == v.provider_id for v in visits if v.staff)
    assert not visits.filter(status="planned", date__lt=TODAY).exists()
    assert not visits.filter(status="completed", date__gte=TODAY).exists()
    per_case = selectors.staff_per_case(
        municipality_id=RehabCase.objects.first().municipality_id,
        start=TODAY - timedelta(days=364),
        end=TODAY,
    )
    assert len(set(per_case.values())) >= 3  # continuity varies
    assert WeeklyEvaluation.objects.exists()
