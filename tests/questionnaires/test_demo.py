"""The demo's year of questionnaires: realistic rates, and verdicts that follow from the answers.

The demo is generated once for this module (scale 0.1) inside a transaction rolled back at the
end, as in tests/demo/test_generator.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse

from forlob.citizens.models import Citizen
from forlob.core.models import User
from forlob.demo.generator import DemoSummary, generate
from forlob.questionnaires import selectors
from forlob.questionnaires.models import Channel, Invitation, Purpose, Response
from forlob.questionnaires.scoring import health_literacy, response_positive
from forlob.questionnaires.services import items_for, response_domains

TODAY = date(2026, 3, 16)
CPH = ZoneInfo("Europe/Copenhagen")

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: object) -> Iterator[DemoSummary]:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        outer = transaction.atomic()
        outer.__enter__()
        try:
            summary = generate(seed=5, today=TODAY, scale=0.1)
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield summary
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


def satisfaction() -> object:
    return Invitation.objects.filter(version__questionnaire__purpose=Purpose.SATISFACTION)


def test_every_completed_pathway_of_the_year_got_the_satisfaction_survey(demo):
    from forlob.pathways.models import Pathway

    completed = Pathway.objects.filter(status="completed").count()
    invited = satisfaction().values("pathway").distinct().count()
    assert completed > 20
    assert invited >= completed - 2  # a few ended just before the cut-off and are not sent yet
    assert demo.counts["questionnaire_invitations"] == Invitation.objects.count()
    assert demo.counts["questionnaire_responses"] == Response.objects.count()


def test_rates_are_realistic(demo):
    rows = list(satisfaction())
    decided = [i for i in rows if i.answered_at or i.expires_at.date() <= TODAY]
    answered = [i for i in decided if i.answered_at]
    assert 0.68 <= len(answered) / len(decided) <= 0.84
    tablet = [i for i in decided if i.channel == Channel.TABLET]
    assert sum(1 for i in tablet if i.answered_at) / len(tablet) > 0.85
    verdicts = [r.positive for r in Response.objects.filter(invitation__in=answered)]
    assert 0.85 <= sum(1 for v in verdicts if v) / len(verdicts) <= 0.98
    # Some links were opened and left unanswered.
    assert any(i.opened_at and not i.answered_at for i in rows)


def test_stored_verdicts_follow_from_the_answers(demo):
    for response in Response.objects.select_related("version__questionnaire")[:300]:
        items = items_for(response)
        if response.version.questionnaire.purpose == Purpose.SATISFACTION:
            assert response.positive == response_positive(items)
        else:
            result = health_literacy(items, domains=response_domains(response.version))
            assert response.result == (result.level if result else "")


def test_screened_citizens_carry_their_latest_level(demo):
    screened = Citizen.objects.filter(
        questionnaire_responses__version__questionnaire__purpose=Purpose.HEALTH_LITERACY
    ).distinct()
    assert demo.counts["health_literacy_screened"] == screened.count() > 10
    levels = set(screened.values_list("health_literacy", flat=True))
    assert levels == {"low", "medium", "high"}
    for citizen in screened[:50]:
        latest = (
            Response.objects.filter(
                citizen=citizen, version__questionnaire__purpose=Purpose.HEALTH_LITERACY
            )
            .order_by("-submitted_at")
            .first()
        )
        assert citizen.health_literacy == latest.result


def test_the_manager_sees_the_response_rates(demo, client):
    manager = User.objects.get(username="leder")
    month = date(2026, 1, 1)
    with time_machine.travel(datetime(2026, 3, 16, 9, tzinfo=CPH), tick=False):
        rate = selectors.satisfaction_response_rate(actor=manager, month_start=month)
        assert rate.denominator > 5
        client.force_login(manager)
        response = client.get(reverse("questionnaires:tracking"), {"month": "2026-01"})
        home = client.get(reverse("home")).content.decode()
    assert response.status_code == 200
    assert response.context["kpis"]["satisfaction_response"] == rate
    assert 'data-testid="satisfaction-response-rate"' in home
