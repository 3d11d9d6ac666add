""" "Propose times" through the views: the optimiser's plan, reviewed and booked as by hand.

The clock stands at Monday 1 June 2026 07:00; the therapist works Mon–Fri 08–16 and is
competent in orthopaedics up to specialised level.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.urls import reverse

from forlob.access.models import AccessLog
from forlob.core.choices import DiagnosisArea, GopLevel, Role
from forlob.pathways.models import PathwayStatus
from forlob.referrals.models import Referral
from forlob.scheduling.models import Appointment, BookingProposal, ProposalRun
from forlob.scheduling.proposals import MESSAGE_ALREADY_HANDLED
from tests.factories import AppointmentFactory, PathwayFactory, ReferralFactory, UserFactory
from tests.helpers import TODAY, counts, tr

pytestmark = pytest.mark.usefixtures("frozen")


def gop(org, area=DiagnosisArea.ORTHOPAEDIC, level=GopLevel.BASAL, discharged_days_ago=1):
    return ReferralFactory(
        citizen__municipality=org.municipality,
        diagnosis_area=area,
        gop_level=level,
        discharge_date=TODAY - timedelta(days=discharged_days_ago),
        team=None,
    )


def propose(client):
    response = client.post(reverse("scheduling:propose"))
    assert response.status_code == 302
    return ProposalRun.objects.latest("pk"), response


def test_propose_then_accept_all_books_every_referral_within_its_deadline(
    client_for, therapist, org_a
):
    referrals = [gop(org_a), gop(org_a, level=GopLevel.ADVANCED)]
    c = client_for(therapist)
    run, response = propose(c)
    assert response.url == reverse("scheduling:proposals", args=[run.pk])
    assert (run.referrals, run.within_deadline, run.bound_within_deadline) == (2, 2, 2)

    page = c.get(response.url)
    assert page.status_code == 200
    assert [row["p"].referral for row in page.context["rows"]] != []
    assert 'data-testid="late"' not in page.content.decode()

    c.post(reverse("scheduling:proposals_accept_all", args=[run.pk]))
    for referral in referrals:
        referral.refresh_from_db()
        assert referral.status == Referral.Status.ACCEPTED
        pathway = referral.pathway
        assert pathway.status == PathwayStatus.BOOKED
        assert pathway.responsible == therapist
        assert pathway.first_offer_within_deadline is True
        first = Appointment.objects.get(pathway=pathway)
        assert first.is_first and first.staff == therapist
        assert first.start.date() <= referral.offer_deadline
    assert set(run.proposals.values_list("status", flat=True)) == {"accepted"}
    # Booked exactly as by hand: the booking service audited each one.
    assert AccessLog.objects.filter(operation="appointment_book", outcome="allowed").count() == 2


def test_proposals_never_overlap_each_other_or_existing_appointments(client_for, therapist, org_a):
    for _ in range(6):
        gop(org_a)
    busy = AppointmentFactory(
        pathway=PathwayFactory(referral__citizen__municipality=org_a.municipality),
        staff=therapist,
    )
    run, _ = propose(client_for(therapist))
    times = sorted((p.start, p.end) for p in run.proposals.all())
    assert len(times) == 6
    for (_, e0), (s1, _) in itertools.pairwise(times):
        assert e0 <= s1
    assert all(e <= busy.start or s >= busy.end for s, e in times)


def test_without_competence_the_screen_says_who_will_be_late_and_what_is_missing(
    client_for, therapist, org_a
):
    neuro = gop(org_a, area=DiagnosisArea.NEUROLOGICAL, level=GopLevel.SPECIALISED)
    c = client_for(therapist)
    run, response = propose(c)
    assert run.within_deadline == 0
    assert run.unassigned == [neuro.pk]
    assert run.shortfall and run.shortfall[0]["area"] == DiagnosisArea.NEUROLOGICAL
    page = c.get(response.url).content.decode()
    assert 'data-testid="late"' in page
    assert str(DiagnosisArea.NEUROLOGICAL.label) in page


def test_a_referral_handled_meanwhile_is_not_booked_twice(client_for, therapist, org_a):
    referral = gop(org_a)
    c = client_for(therapist)
    run, _ = propose(c)
    proposal = run.proposals.get()
    c.post(reverse("referrals:reject", args=[referral.pk]), {"reason": "sent_in_error"})
    before = counts(Appointment)

    c.post(reverse("scheduling:proposal_accept", args=[proposal.pk]))

    proposal.refresh_from_db()
    assert proposal.status == BookingProposal.Status.FAILED
    assert proposal.error == tr(MESSAGE_ALREADY_HANDLED)
    assert counts(Appointment) == before


def test_a_time_taken_meanwhile_fails_with_the_calendar_reason(client_for, therapist, org_a):
    gop(org_a)
    c = client_for(therapist)
    run, _ = propose(c)
    proposal = run.proposals.get()
    AppointmentFactory(
        pathway=PathwayFactory(referral__citizen__municipality=org_a.municipality),
        staff=therapist,
        start=proposal.start,
    )
    c.post(reverse("scheduling:proposal_accept", args=[proposal.pk]))
    proposal.refresh_from_db()
    assert proposal.status == BookingProposal.Status.FAILED
    assert proposal.error
    assert Referral.objects.get(pk=proposal.referral_id).status == Referral.Status.NEW


def test_nothing_to_propose_says_so(client_for, therapist):
    run_count = ProposalRun.objects.count()
    response = client_for(therapist).post(reverse("scheduling:propose"), follow=True)
    assert ProposalRun.objects.count() == run_count
    assert [str(m) for m in response.context["messages"]]


def test_the_plan_lists_citizens_and_each_is_audited(client_for, therapist, org_a):
    referrals = [gop(org_a), gop(org_a)]
    c = client_for(therapist)
    _, response = propose(c)
    before = AccessLog.objects.count()
    c.get(response.url)
    logs = AccessLog.objects.order_by("id")[before:]
    assert sorted(log.citizen_id for log in logs) == sorted(r.citizen_id for r in referrals)
    assert {log.operation for log in logs} == {"booking_proposals"}


# --- access --------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client_for, therapist, org_a):
    gop(org_a)
    run, _ = propose(client_for(therapist))
    item = run.proposals.get()
    c = client_for(None)
    for method, url in (
        ("post", reverse("scheduling:propose")),
        ("get", reverse("scheduling:proposals", args=[run.pk])),
        ("post", reverse("scheduling:proposals_accept_all", args=[run.pk])),
        ("post", reverse("scheduling:proposal_accept", args=[item.pk])),
    ):
        response = getattr(c, method)(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_roles_that_may_not_book_get_403(client_for, manager, assessor, org_a):
    gop(org_a)
    for user in (manager, assessor):
        assert client_for(user).post(reverse("scheduling:propose")).status_code == 403
    assert not ProposalRun.objects.exists()


def test_someone_elses_plan_is_not_there(client_for, therapist, outsider, org_a):
    gop(org_a)
    run, _ = propose(client_for(therapist))
    item = run.proposals.get()
    colleague = UserFactory(
        municipality=org_a.municipality, team=org_a.team, roles=[Role.THERAPIST]
    )
    for user in (colleague, outsider):
        c = client_for(user)
        assert c.get(reverse("scheduling:proposals", args=[run.pk])).status_code == 404
        assert c.post(reverse("scheduling:proposals_accept_all", args=[run.pk])).status_code == 404
        before = AccessLog.objects.count()
        assert c.post(reverse("scheduling:proposal_accept", args=[item.pk])).status_code == 404
        [log] = AccessLog.objects.order_by("id")[before:]
        assert log.outcome == "denied"
    item.refresh_from_db()
    assert item.status == BookingProposal.Status.PROPOSED


def test_wrong_methods_are_405_and_bad_ids_404(client_for, therapist, org_a):
    gop(org_a)
    c = client_for(therapist)
    run, _ = propose(c)
    assert c.get(reverse("scheduling:propose")).status_code == 405
    assert c.post(reverse("scheduling:proposals", args=[run.pk])).status_code == 405
    assert c.get(reverse("scheduling:proposals_accept_all", args=[run.pk])).status_code == 405
    item = run.proposals.get()
    assert c.get(reverse("scheduling:proposal_accept", args=[item.pk])).status_code == 405
    for bad in ("abc", "-1", "9" * 30):
        assert c.get(f"/calendar/proposals/{bad}/").status_code == 404
        assert c.post(f"/calendar/proposals/item/{bad}/accept/").status_code == 404
