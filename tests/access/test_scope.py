"""Relation-based scope (Sundhedsloven §42 a) and breaking the glass.

A care role is not enough to open a record: the user, the user's team, unit or provider must
have a live relation to the citizen (open referral or pathway, an appointment), or have had one
within the grace period; otherwise 404, audited as denied, unless the user breaks the glass.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from forlob.access.models import AccessLog, BreakGlassAccess
from forlob.access.policy import (
    ROLE_ACTIONS,
    ROLE_REACH,
    Action,
    Reach,
    can,
    citizens_in_scope,
    reach_for,
)
from forlob.access.services import BREAK_GLASS_REASON_MIN, MESSAGE_REASON_TOO_SHORT
from forlob.core.choices import Role
from forlob.core.models import Provider
from forlob.pathways.models import PathwayStatus
from forlob.pathways.services import pathway_transition
from tests.factories import (
    AppointmentFactory,
    CitizenFactory,
    PathwayFactory,
    ReferralFactory,
    TeamFactory,
    TherapistFactory,
    UserFactory,
)
from tests.helpers import NOW, TODAY, at, tr

pytestmark = pytest.mark.usefixtures("frozen")

REASON = "Vagtlægen ringer om akut forværring, skal se genoptræningsplanen."


@pytest.fixture
def team_b(org_a):
    return TeamFactory(unit=org_a.unit, name="Team Neurologi")


@pytest.fixture
def colleague(org_a, team_b):
    """A therapist in the same municipality and unit, another team."""
    return TherapistFactory(municipality=org_a.municipality, team=team_b, first_name="Kaj")


@pytest.fixture
def coordinator(org_a, team_b):
    return UserFactory(municipality=org_a.municipality, team=team_b, roles=[Role.COORDINATOR])


@pytest.fixture
def providers(org_a):
    a = Provider.objects.create(
        municipality=org_a.municipality, name="Privat A", kind=Provider.Kind.PRIVATE
    )
    b = Provider.objects.create(
        municipality=org_a.municipality, name="Privat B", kind=Provider.Kind.PRIVATE
    )
    return a, b


def provider_staff(org, provider, role=Role.PROVIDER_STAFF):
    return UserFactory(municipality=org.municipality, provider=provider, roles=[role])


def detail(client, citizen):
    return client.get(reverse("citizens:detail", args=[citizen.pk]))


def team_pathway(org, team=None, **kwargs):
    return PathwayFactory(
        referral__citizen__municipality=org.municipality,
        team=team or org.team,
        status=PathwayStatus.ACTIVE,
        **kwargs,
    )


# --- the policy in itself ---------------------------------------------------------------------


def test_every_role_has_actions_and_a_reach():
    assert set(ROLE_ACTIONS) == set(Role.values) == set(ROLE_REACH)


def test_roles_without_citizen_records_reach_nothing(manager):
    assert reach_for(manager) == Reach.NONE
    assert not can(manager, Action.VIEW_CITIZEN)
    assert can(manager, Action.VIEW_PSEUDONYMISED)


def test_the_widest_reach_of_several_roles_counts(org_a):
    user = UserFactory(municipality=org_a.municipality, roles=[Role.THERAPIST, Role.ASSESSOR])
    assert reach_for(user) == Reach.MUNICIPALITY


# --- team, unit, municipality -----------------------------------------------------------------


def test_team_sees_its_pathway_other_team_does_not(client_for, therapist, colleague, org_a):
    pathway = team_pathway(org_a)
    assert detail(client_for(therapist), pathway.citizen).status_code == 200
    before = AccessLog.objects.count()
    response = detail(client_for(colleague), pathway.citizen)
    assert response.status_code == 404
    [log] = AccessLog.objects.order_by("id")[before:]
    assert (log.outcome, log.citizen_id, log.actor) == ("denied", pathway.citizen_id, colleague)


def test_coordinator_reaches_every_team_of_the_unit(client_for, coordinator, org_a):
    pathway = team_pathway(org_a)
    assert detail(client_for(coordinator), pathway.citizen).status_code == 200


def test_coordinator_of_another_unit_does_not(client_for, org_a):
    other_unit_team = TeamFactory(unit__municipality=org_a.municipality)
    coordinator = UserFactory(
        municipality=org_a.municipality, team=other_unit_team, roles=[Role.COORDINATOR]
    )
    pathway = team_pathway(org_a)
    assert detail(client_for(coordinator), pathway.citizen).status_code == 404


def test_assessor_reaches_the_municipality_but_only_citizens_in_a_relation(
    client_for, assessor, org_a
):
    pathway = team_pathway(org_a)
    stranger = CitizenFactory(municipality=org_a.municipality)
    c = client_for(assessor)
    assert detail(c, pathway.citizen).status_code == 200
    assert detail(c, stranger).status_code == 404


def test_a_citizen_without_any_relation_is_out_of_everyones_scope(
    client_for, therapist, coordinator, assessor, org_a
):
    stranger = CitizenFactory(municipality=org_a.municipality)
    for user in (therapist, coordinator, assessor):
        assert not citizens_in_scope(user).filter(pk=stranger.pk).exists()


def test_the_responsible_therapist_sees_the_pathway_whatever_the_team(client_for, colleague, org_a):
    pathway = team_pathway(org_a, responsible=colleague)
    assert detail(client_for(colleague), pathway.citizen).status_code == 200


def test_an_appointment_ties_its_therapist_to_the_citizen(client_for, colleague, org_a):
    pathway = team_pathway(org_a)
    AppointmentFactory(
        pathway=pathway, citizen=pathway.citizen, staff=colleague, start=at(TODAY, 10)
    )
    assert detail(client_for(colleague), pathway.citizen).status_code == 200


# --- grace period after closing ---------------------------------------------------------------


@pytest.mark.parametrize(("days", "status"), [(29, 200), (31, 404)])
def test_access_lasts_the_grace_period_after_closing(
    client_for, therapist, org_a, settings, days, status
):
    settings.FORLOB_ACCESS_GRACE_DAYS = 30
    pathway = team_pathway(org_a)
    pathway_transition(actor=therapist, pathway=pathway, to_status=PathwayStatus.COMPLETED)
    with time_machine.travel(NOW + timedelta(days=days), tick=False):
        assert detail(client_for(therapist), pathway.citizen).status_code == status


def test_a_rejected_referral_keeps_access_for_the_grace_period_only(
    client_for, therapist, org_a, settings
):
    settings.FORLOB_ACCESS_GRACE_DAYS = 10
    referral = ReferralFactory(citizen__municipality=org_a.municipality, team=org_a.team)
    c = client_for(therapist)
    c.post(reverse("referrals:reject", args=[referral.pk]), {"reason": "sent_in_error"})
    assert detail(c, referral.citizen).status_code == 200
    with time_machine.travel(NOW + timedelta(days=11), tick=False):
        assert detail(client_for(therapist), referral.citizen).status_code == 404


# --- intake inbox -----------------------------------------------------------------------------


def test_unassigned_new_referrals_belong_to_every_municipal_care_user(
    client_for, therapist, colleague, org_a, team_b
):
    unassigned = ReferralFactory(citizen__municipality=org_a.municipality, team=None)
    for_b = ReferralFactory(citizen__municipality=org_a.municipality, team=team_b)
    shown = [
        row["referral"]
        for row in client_for(therapist).get(reverse("referrals:inbox")).context["rows"]
    ]
    assert unassigned in shown
    assert for_b not in shown
    assert for_b in [
        row["referral"]
        for row in client_for(colleague).get(reverse("referrals:inbox")).context["rows"]
    ]


def test_every_citizen_listed_in_the_inbox_is_audited(client_for, therapist, org_a):
    referrals = ReferralFactory.create_batch(3, citizen__municipality=org_a.municipality)
    before = AccessLog.objects.count()
    client_for(therapist).get(reverse("referrals:inbox"))
    logs = AccessLog.objects.order_by("id")[before:]
    assert sorted(log.citizen_id for log in logs) == sorted(r.citizen_id for r in referrals)
    assert {log.operation for log in logs} == {"referral_inbox"}


# --- providers --------------------------------------------------------------------------------


def test_provider_staff_see_only_their_providers_citizens(client_for, org_a, providers):
    a, b = providers
    staff_a, staff_b = provider_staff(org_a, a), provider_staff(org_a, b)
    pathway = team_pathway(org_a, provider=a)
    municipal_only = team_pathway(org_a)
    # Their own citizen: in scope, but the whole record is not theirs to open (403, not 404);
    # they work from the everyday-rehabilitation pages (tests/homecare/test_record_access.py).
    assert detail(client_for(staff_a), pathway.citizen).status_code == 403
    assert detail(client_for(staff_b), pathway.citizen).status_code == 404
    assert detail(client_for(staff_a), municipal_only.citizen).status_code == 404


def test_provider_staff_may_not_book_or_manage(client_for, org_a, providers):
    pathway = team_pathway(org_a, provider=providers[0])
    c = client_for(provider_staff(org_a, providers[0], Role.HOMECARE_WORKER))
    response = c.post(reverse("pathways:transition", args=[pathway.pk]), {"to_status": "cancelled"})
    assert response.status_code == 403
    pathway.refresh_from_db()
    assert pathway.status == PathwayStatus.ACTIVE


def test_provider_staff_have_no_intake_inbox_of_the_municipality(client_for, org_a, providers):
    ReferralFactory(citizen__municipality=org_a.municipality, team=None)
    c = client_for(provider_staff(org_a, providers[0]))
    assert c.get(reverse("referrals:inbox")).status_code == 403


# --- the calendar of a colleague --------------------------------------------------------------


def test_a_colleagues_day_shows_busy_times_but_names_only_related_citizens(
    client_for, therapist, colleague, org_a, team_b
):
    mine = team_pathway(org_a)
    theirs = team_pathway(org_a, team=team_b)
    AppointmentFactory(pathway=mine, citizen=mine.citizen, staff=colleague, start=at(TODAY, 9))
    AppointmentFactory(pathway=theirs, citizen=theirs.citizen, staff=colleague, start=at(TODAY, 11))
    before = AccessLog.objects.count()
    response = client_for(therapist).get(
        reverse("scheduling:day"), {"staff": colleague.pk, "date": TODAY.isoformat()}
    )
    body = response.content.decode()
    assert mine.citizen.full_name in body
    assert theirs.citizen.full_name not in body
    assert len(response.context["appointments"]) == 2
    assert [log.citizen_id for log in AccessLog.objects.order_by("id")[before:]] == [
        mine.citizen_id
    ]


# --- breaking the glass -----------------------------------------------------------------------


def search(client, query):
    return client.post(reverse("citizens:search"), {"query": query})


def test_exact_cpr_search_offers_emergency_access_outside_relations(client_for, colleague, org_a):
    pathway = team_pathway(org_a)
    response = search(client_for(colleague), pathway.citizen.cpr)
    assert response.context["results"] == []
    assert response.context["outside"] == pathway.citizen
    assert 'data-testid="outside"' in response.content.decode()


def test_a_name_search_never_offers_emergency_access(client_for, colleague, org_a):
    pathway = team_pathway(org_a)
    response = search(client_for(colleague), pathway.citizen.last_name)
    assert response.context["results"] == []
    assert response.context["outside"] is None


def test_breaking_the_glass_opens_the_record_for_a_while_and_awaits_review(
    client_for, colleague, org_a, settings
):
    settings.FORLOB_BREAK_GLASS_HOURS = 8
    citizen = team_pathway(org_a).citizen
    c = client_for(colleague)
    response = c.post(reverse("citizens:emergency_access", args=[citizen.pk]), {"reason": REASON})
    assert response.status_code == 302
    assert response.url == reverse("citizens:detail", args=[citizen.pk])
    assert detail(c, citizen).status_code == 200

    grant = BreakGlassAccess.objects.get()
    assert (grant.actor, grant.citizen, grant.reason, grant.review) == (
        colleague,
        citizen,
        REASON,
        BreakGlassAccess.Review.PENDING,
    )
    log = AccessLog.objects.get(operation="break_glass")
    assert (log.outcome, log.citizen_id, log.reason) == ("allowed", citizen.pk, REASON)

    with time_machine.travel(NOW + timedelta(hours=8, minutes=1), tick=False):
        # A fresh login: the old session has expired from inactivity by then.
        assert detail(client_for(colleague), citizen).status_code == 404


def test_a_short_reason_is_refused_and_the_typed_text_kept(client_for, colleague, org_a):
    citizen = team_pathway(org_a).citizen
    response = client_for(colleague).post(
        reverse("citizens:emergency_access", args=[citizen.pk]), {"reason": "akut"}
    )
    assert response.status_code == 422
    assert "akut" in response.content.decode()
    assert citizen.full_name not in response.content.decode()
    assert not BreakGlassAccess.objects.exists()
    assert response.context["form"].errors["reason"] == [
        tr(MESSAGE_REASON_TOO_SHORT) % {"min": BREAK_GLASS_REASON_MIN}
    ]


@pytest.mark.parametrize("who", ["provider", "manager", "outsider"])
def test_who_may_not_break_the_glass_gets_404_and_a_denied_entry(
    client_for, org_a, providers, manager, outsider, who
):
    actor = {
        "provider": provider_staff(org_a, providers[0]),
        "manager": manager,
        "outsider": outsider,
    }[who]
    citizen = team_pathway(org_a).citizen
    response = client_for(actor).post(
        reverse("citizens:emergency_access", args=[citizen.pk]), {"reason": REASON}
    )
    assert response.status_code == 404
    assert not BreakGlassAccess.objects.exists()
    log = AccessLog.objects.filter(actor=actor).latest("id")
    assert (log.outcome, log.operation) == ("denied", "break_glass")
