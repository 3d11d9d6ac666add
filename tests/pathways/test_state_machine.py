"""The pathway state machine: every allowed move works and is recorded; every other is refused."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from forlob.access.models import AccessLog
from forlob.pathways.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Pathway,
    PathwayStatus,
    PathwayTransition,
)
from forlob.pathways.services import (
    MESSAGE_ALREADY_PATHWAY,
    MESSAGE_REASON_REQUIRED,
    MESSAGE_REFERRAL_CLOSED,
    TRANSITIONS,
    InvalidTransition,
    allowed_transitions,
    pathway_assign,
    pathway_create_from_referral,
    pathway_transition,
)
from forlob.referrals.models import Referral
from tests.factories import PathwayFactory, ReferralFactory, TherapistFactory, dropout_reason
from tests.helpers import NOW, counts, tr

S = PathwayStatus
ALL = list(S)
ALLOWED = [(a, b) for a in ALL for b in ALL if b in TRANSITIONS[a]]
DISALLOWED = [(a, b) for a, b in itertools.product(ALL, ALL) if b not in TRANSITIONS[a]]

# The documented table (pathways/services.py); a change to it must be a deliberate change here.
EXPECTED_TABLE = {
    S.REFERRED: {S.BOOKED, S.DROPPED_OUT, S.CANCELLED},
    S.BOOKED: {S.ACTIVE, S.REFERRED, S.DROPPED_OUT, S.CANCELLED},
    S.ACTIVE: {S.COMPLETED, S.DROPPED_OUT, S.CANCELLED},
    S.COMPLETED: set(),
    S.DROPPED_OUT: set(),
    S.CANCELLED: set(),
}


def test_transition_table_is_the_documented_one():
    assert {k: set(v) for k, v in TRANSITIONS.items()} == EXPECTED_TABLE
    assert set(TRANSITIONS) == set(S)


@pytest.mark.parametrize("status", CLOSED_STATUSES)
def test_closed_states_are_terminal(status):
    assert allowed_transitions(status) == frozenset()


@pytest.mark.parametrize("status", OPEN_STATUSES)
def test_every_open_state_can_drop_out_or_be_cancelled(status):
    assert {S.DROPPED_OUT, S.CANCELLED} <= allowed_transitions(status)


@pytest.fixture
def make_pathway(therapist):
    def make(status: str) -> Pathway:
        return PathwayFactory(
            status=status,
            referral__citizen__municipality=therapist.municipality,
            responsible=therapist,
        )

    return make


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_allowed_transition_moves_and_writes_history(
    make_pathway, therapist, from_status, to_status
):
    pathway = make_pathway(from_status)
    reason = dropout_reason() if to_status == S.DROPPED_OUT else None
    when = NOW + timedelta(hours=3)
    before = PathwayTransition.objects.filter(pathway=pathway).count()

    result = pathway_transition(
        actor=therapist, pathway=pathway, to_status=to_status, dropout_reason=reason, at=when
    )

    pathway.refresh_from_db()
    assert result.status == pathway.status == to_status
    history = list(PathwayTransition.objects.filter(pathway=pathway).order_by("id"))
    assert len(history) == before + 1
    last = history[-1]
    assert (last.from_status, last.to_status) == (from_status, to_status)
    assert last.by == therapist
    assert last.at == when
    assert last.dropout_reason == reason
    log = AccessLog.objects.get(operation=f"pathway_transition:{to_status}")
    assert log.citizen_id == pathway.citizen_id
    assert log.actor == therapist
    assert log.outcome == AccessLog.Outcome.ALLOWED
    if to_status in CLOSED_STATUSES:
        assert pathway.ended_at == when
    else:
        assert pathway.ended_at is None
    if to_status == S.ACTIVE:
        assert pathway.started_at == when
    if to_status == S.DROPPED_OUT:
        assert pathway.dropout_reason == reason


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), DISALLOWED)
def test_disallowed_transition_raises_and_changes_nothing(
    make_pathway, therapist, from_status, to_status
):
    pathway = make_pathway(from_status)
    reason = dropout_reason()
    before = counts(PathwayTransition, AccessLog)

    with pytest.raises(InvalidTransition) as exc:
        pathway_transition(
            actor=therapist, pathway=pathway, to_status=to_status, dropout_reason=reason
        )

    assert exc.value.from_status == from_status
    assert exc.value.to_status == to_status
    assert exc.value.code == "invalid_transition"
    assert counts(PathwayTransition, AccessLog) == before
    fresh = Pathway.objects.get(pk=pathway.pk)
    assert fresh.status == from_status
    assert fresh.ended_at == pathway.ended_at
    assert fresh.dropout_reason is None


@pytest.mark.django_db
@pytest.mark.parametrize("from_status", OPEN_STATUSES)
def test_dropped_out_requires_a_reason(make_pathway, therapist, from_status):
    pathway = make_pathway(from_status)
    before = counts(PathwayTransition, AccessLog)

    with pytest.raises(ValidationError) as exc:
        pathway_transition(actor=therapist, pathway=pathway, to_status=S.DROPPED_OUT)

    assert not isinstance(exc.value, InvalidTransition)
    assert exc.value.message_dict == {"dropout_reason": [tr(MESSAGE_REASON_REQUIRED)]}
    assert counts(PathwayTransition, AccessLog) == before
    assert Pathway.objects.get(pk=pathway.pk).status == from_status


@pytest.mark.django_db
def test_reason_is_not_stored_on_other_transitions(make_pathway, therapist):
    pathway = make_pathway(S.ACTIVE)
    pathway_transition(
        actor=therapist, pathway=pathway, to_status=S.COMPLETED, dropout_reason=dropout_reason()
    )
    pathway.refresh_from_db()
    assert pathway.dropout_reason is None
    assert pathway.transitions.last().dropout_reason is None


@pytest.mark.django_db
def test_full_journey_records_start_and_end(make_pathway, therapist):
    pathway = make_pathway(S.BOOKED)
    t1, t2 = NOW, NOW + timedelta(weeks=8)
    pathway_transition(actor=therapist, pathway=pathway, to_status=S.ACTIVE, at=t1)
    pathway_transition(actor=therapist, pathway=pathway, to_status=S.COMPLETED, at=t2)
    pathway.refresh_from_db()
    assert (pathway.started_at, pathway.ended_at, pathway.status) == (t1, t2, S.COMPLETED)
    assert [(t.from_status, t.to_status) for t in pathway.transitions.order_by("id")] == [
        ("", S.REFERRED),
        (S.BOOKED, S.ACTIVE),
        (S.ACTIVE, S.COMPLETED),
    ]


@pytest.mark.django_db
def test_transition_uses_the_locked_row_not_a_stale_object(make_pathway, therapist):
    pathway = make_pathway(S.ACTIVE)
    stale = Pathway.objects.get(pk=pathway.pk)
    pathway_transition(actor=therapist, pathway=pathway, to_status=S.COMPLETED)
    # ``stale`` still says active, but the database says completed: the move is refused.
    with pytest.raises(InvalidTransition):
        pathway_transition(actor=therapist, pathway=stale, to_status=S.CANCELLED)


# --- creating a pathway from a referral ---------------------------------------------------------


@pytest.mark.django_db
def test_create_from_referral(therapist, org_a):
    referral = ReferralFactory(citizen__municipality=org_a.municipality)
    pathway = pathway_create_from_referral(
        actor=therapist, referral=referral, responsible=therapist, team=None, at=NOW
    )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED
    assert pathway.status == S.REFERRED
    assert pathway.citizen == referral.citizen
    assert pathway.pathway_type == referral.referral_type
    assert pathway.offer_deadline == referral.offer_deadline
    assert pathway.team == therapist.team  # from the responsible therapist
    first = pathway.transitions.get()
    assert (first.from_status, first.to_status, first.by, first.at) == (
        "",
        S.REFERRED,
        therapist,
        NOW,
    )
    assert (
        AccessLog.objects.filter(operation="pathway_create", citizen=referral.citizen).count() == 1
    )


@pytest.mark.django_db
def test_create_from_referral_twice_is_refused(therapist, org_a):
    referral = ReferralFactory(citizen__municipality=org_a.municipality)
    pathway_create_from_referral(actor=therapist, referral=referral, responsible=None, team=None)
    before = counts(Pathway, PathwayTransition, AccessLog)
    with pytest.raises(ValidationError) as exc:
        pathway_create_from_referral(
            actor=therapist, referral=referral, responsible=None, team=None
        )
    assert exc.value.messages == [tr(MESSAGE_ALREADY_PATHWAY)]
    assert counts(Pathway, PathwayTransition, AccessLog) == before


@pytest.mark.django_db
def test_create_from_rejected_referral_is_refused(therapist, org_a):
    referral = ReferralFactory(
        citizen__municipality=org_a.municipality,
        status=Referral.Status.REJECTED,
        reject_reason=Referral.RejectReason.SENT_IN_ERROR,
    )
    with pytest.raises(ValidationError) as exc:
        pathway_create_from_referral(
            actor=therapist, referral=referral, responsible=None, team=None
        )
    assert exc.value.messages == [tr(MESSAGE_REFERRAL_CLOSED)]
    assert not Pathway.objects.exists()


@pytest.mark.django_db
def test_assign_changes_responsible_and_team(make_pathway, therapist, org_a):
    other = TherapistFactory(municipality=org_a.municipality)
    pathway = make_pathway(S.REFERRED)
    pathway_assign(actor=therapist, pathway=pathway, responsible=other, team=org_a.team)
    pathway.refresh_from_db()
    assert (pathway.responsible, pathway.team) == (other, org_a.team)
    assert AccessLog.objects.filter(operation="pathway_assign").count() == 1
