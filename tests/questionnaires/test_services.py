"""Invitations, tokens, saving as the citizen goes, submitting and scoring (the services)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import override_settings

from forlob.access.models import AccessLog
from forlob.pathways.models import PathwayStatus
from forlob.questionnaires import services
from forlob.questionnaires.models import (
    Answer,
    Invitation,
    InvitationStatus,
    Purpose,
    Response,
    VersionStatus,
)
from forlob.questionnaires.services import (
    MESSAGE_CLOSED,
    MESSAGE_NO_PHONE,
    MESSAGE_NOT_PUBLISHED,
    MESSAGE_PATHWAY_MISMATCH,
    MESSAGE_REQUIRED,
    MESSAGE_SMS_OPT_OUT,
    answers_save,
    hash_token,
    invitation_for_token,
    invite_satisfaction_for_completed_pathways,
    response_submit,
)
from tests.factories import CitizenFactory, PathwayFactory
from tests.helpers import NOW, tr
from tests.questionnaires.support import (
    literacy_form,
    question_at,
    raw,
    satisfaction_form,
)

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def citizen(org_a):
    return CitizenFactory(municipality=org_a.municipality, first_name="Karen", last_name="Zacho")


# --- tokens ---------------------------------------------------------------------------------------


def test_the_token_is_random_and_only_its_hash_is_stored(citizen, satisfaction, invite):
    first = invite(citizen, satisfaction)
    second = invite(citizen, satisfaction)
    assert first.token != second.token
    assert len(first.token) == 32
    row = Invitation.objects.get(pk=first.invitation.pk)
    assert row.token_hash == hash_token(first.token) != first.token
    assert not Invitation.objects.filter(token_hash=first.token).exists()
    assert invitation_for_token(first.token) == row
    assert first.path == f"/q/{first.token}/"


@pytest.mark.parametrize("token", ["", "x", "a" * 31, "a" * 33, "ab/cd" * 7, "ø" * 32])
def test_unknown_or_malformed_tokens_open_nothing(citizen, satisfaction, invite, token):
    invite(citizen, satisfaction)
    assert invitation_for_token(token) is None
    assert invitation_for_token("A" * 32) is None


@override_settings(FORLOB_QUESTIONNAIRE_LINK_DAYS=3)
def test_a_link_expires_after_the_configured_days(citizen, satisfaction, invite):
    new = invite(citizen, satisfaction)
    assert new.invitation.expires_at == NOW + timedelta(days=3)
    question = question_at(new.invitation, 5)
    with time_machine.travel(NOW + timedelta(days=3) - timedelta(seconds=1), tick=False):
        answers_save(invitation=new.invitation, raw={question.pk: ["8"]})
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        assert new.invitation.is_expired()
        with pytest.raises(ValidationError) as saving:
            answers_save(invitation=new.invitation, raw={question.pk: ["9"]})
        with pytest.raises(ValidationError):
            response_submit(invitation=new.invitation)
    assert saving.value.messages == [tr(MESSAGE_CLOSED)]
    assert Answer.objects.get(question=question).value == 8


@override_settings(FORLOB_QUESTIONNAIRE_TABLET_HOURS=2)
def test_a_tablet_session_expires_after_the_configured_hours(citizen, satisfaction, invite):
    new = invite(citizen, satisfaction, channel="tablet", delivery="sms")
    assert new.invitation.expires_at == NOW + timedelta(hours=2)
    assert new.invitation.delivery == "handed"  # a tablet sends nothing


def test_a_link_is_single_use(citizen, satisfaction, invite):
    new = invite(citizen, satisfaction)
    answers_save(invitation=new.invitation, raw=raw(satisfaction_form(new.invitation)))
    response_submit(invitation=new.invitation)
    with pytest.raises(ValidationError) as again:
        response_submit(invitation=new.invitation)
    assert again.value.messages == [tr(MESSAGE_CLOSED)]
    with pytest.raises(ValidationError):
        answers_save(invitation=new.invitation, raw={question_at(new.invitation, 5).pk: ["1"]})
    assert Answer.objects.get(question=question_at(new.invitation, 5)).value == 9
    assert Response.objects.filter(invitation=new.invitation).count() == 1


# --- inviting -------------------------------------------------------------------------------------


def test_an_sms_link_is_queued_with_the_first_name_and_no_cpr(
    citizen, satisfaction, invite, outbox
):
    new = invite(citizen, satisfaction, delivery="sms", base_url="https://forlob.randers.dk/")
    [message] = outbox
    assert (message.citizen_id, message.channel, message.purpose) == (
        citizen.pk,
        "sms",
        "questionnaire",
    )
    assert message.related_key == f"questionnaire_invitation:{new.invitation.pk}"
    assert f"https://forlob.randers.dk/q/{new.token}/" in message.body
    assert "Karen" in message.body
    assert "Zacho" not in message.body
    assert citizen.cpr not in message.body and citizen.cpr[:6] not in message.body
    assert new.invitation.status == InvitationStatus.SENT


def test_an_email_link_has_a_subject(org_a, satisfaction, invite, outbox):
    citizen = CitizenFactory(municipality=org_a.municipality, email="karen@example.org")
    invite(citizen, satisfaction, delivery="email")
    [message] = outbox
    assert message.channel == "email" and message.subject


def test_a_handed_link_sends_nothing(citizen, satisfaction, invite, outbox):
    invite(citizen, satisfaction, delivery="handed")
    assert outbox == []


@pytest.mark.parametrize(
    ("changes", "delivery", "message"),
    [
        ({"phone": ""}, "sms", MESSAGE_NO_PHONE),
        ({"sms_opt_out": True}, "sms", MESSAGE_SMS_OPT_OUT),
    ],
)
def test_a_link_the_citizen_cannot_get_is_refused_and_nothing_is_saved(
    citizen, satisfaction, invite, outbox, changes, delivery, message
):
    for name, value in changes.items():
        setattr(citizen, name, value)
    citizen.save()
    with pytest.raises(ValidationError) as refused:
        invite(citizen, satisfaction, delivery=delivery)
    assert refused.value.message_dict == {"delivery": [tr(message)]}
    assert not Invitation.objects.exists()
    assert outbox == []


def test_a_questionnaire_without_a_published_version_cannot_be_sent(
    citizen, admin_a, satisfaction, invite
):
    own = services.questionnaire_copy(actor=admin_a, questionnaire=satisfaction)  # a draft only
    with pytest.raises(ValidationError) as refused:
        invite(citizen, own)
    assert refused.value.message_dict == {"questionnaire": [tr(MESSAGE_NOT_PUBLISHED)]}


def test_another_municipalitys_questionnaire_cannot_be_sent(citizen, admin_b, satisfaction, invite):
    theirs = services.questionnaire_copy(actor=admin_b, questionnaire=satisfaction)
    services.version_publish(actor=admin_b, version=theirs.versions.get())
    with pytest.raises(ValidationError):
        invite(citizen, theirs)
    assert not Invitation.objects.exists()


def test_a_pathway_of_another_citizen_is_refused(citizen, org_a, satisfaction, invite):
    other = PathwayFactory(referral__citizen__municipality=org_a.municipality)
    with pytest.raises(ValidationError) as refused:
        invite(citizen, satisfaction, pathway=other)
    assert refused.value.messages == [tr(MESSAGE_PATHWAY_MISMATCH)]


def test_the_invitation_takes_the_pathways_team_and_is_audited(
    case, satisfaction, invite, therapist
):
    before = AccessLog.objects.count()
    new = invite(case.citizen, satisfaction, pathway=case.pathway)
    assert new.invitation.team == case.pathway.team
    assert new.invitation.version.number == 1
    [log] = AccessLog.objects.order_by("id")[before:]
    assert (log.actor, log.kind, log.citizen_id) == (therapist, "write", case.citizen.pk)


# --- saving as the citizen goes -------------------------------------------------------------------


def test_answers_are_saved_one_by_one_and_can_be_changed_and_cleared(citizen, satisfaction, invite):
    inv = invite(citizen, satisfaction).invitation
    q1, q5, q6 = question_at(inv, 1), question_at(inv, 5), question_at(inv, 6)
    tilfreds = str(q1.options.get(label="Tilfreds").pk)
    answers_save(invitation=inv, raw={q1.pk: [tilfreds]}, questions=[q1])
    answers_save(invitation=inv, raw={q5.pk: ["6"]}, questions=[q5])
    inv.refresh_from_db()
    assert inv.status == InvitationStatus.OPENED and inv.answered_at is None
    response = inv.response
    assert response.submitted_at is None
    assert {a.question_id for a in response.answers.all()} == {q1.pk, q5.pk}

    answers_save(invitation=inv, raw={q5.pk: ["7"]}, questions=[q5])
    assert Answer.objects.get(question=q5).value == 7

    two = [str(o.pk) for o in q6.options.all()[:2]]
    answers_save(invitation=inv, raw={q6.pk: two}, questions=[q6])
    assert Answer.objects.get(question=q6).options.count() == 2
    answers_save(invitation=inv, raw={}, questions=[q6])  # both unticked
    assert not Answer.objects.filter(question=q6).exists()
    assert Answer.objects.filter(response=response).count() == 2  # the others untouched


def test_an_invalid_answer_is_reported_and_the_valid_ones_are_kept(
    citizen, satisfaction, literacy, invite
):
    inv = invite(citizen, satisfaction).invitation
    q1, q5, q7 = question_at(inv, 1), question_at(inv, 5), question_at(inv, 7)
    foreign = literacy.versions.get().questions.first().options.first().pk
    result = answers_save(
        invitation=inv,
        raw={q1.pk: [str(foreign)], q5.pk: ["11"], q7.pk: ["Fint."]},
    )
    assert set(result.errors) == {f"q{q1.pk}", f"q{q5.pk}"}
    assert "0" in result.errors[f"q{q5.pk}"] and "10" in result.errors[f"q{q5.pk}"]
    assert Answer.objects.get(question=q7).text == "Fint."
    assert not Answer.objects.filter(question__in=[q1, q5]).exists()


def test_submitting_with_required_questions_missing_is_refused_and_keeps_the_answers(
    citizen, satisfaction, invite
):
    inv = invite(citizen, satisfaction).invitation
    q1 = question_at(inv, 1)
    answers_save(invitation=inv, raw={q1.pk: [str(q1.options.first().pk)]}, questions=[q1])
    with pytest.raises(ValidationError) as refused:
        response_submit(invitation=inv)
    required = [q for q in inv.version.questions.all() if q.required and q.pk != q1.pk]
    assert set(refused.value.message_dict) == {f"q{q.pk}" for q in required}
    assert refused.value.message_dict[f"q{required[0].pk}"] == [tr(MESSAGE_REQUIRED)]
    inv.refresh_from_db()
    assert inv.answered_at is None
    assert inv.response.submitted_at is None
    assert inv.response.answers.count() == 1


# --- submitting and scoring -----------------------------------------------------------------------


@pytest.mark.parametrize("positive", [True, False])
def test_a_submitted_satisfaction_response_is_scored(citizen, satisfaction, invite, positive):
    inv = invite(citizen, satisfaction).invitation
    answers_save(invitation=inv, raw=raw(satisfaction_form(inv, positive=positive)))
    before = AccessLog.objects.count()
    response = response_submit(invitation=inv)
    inv.refresh_from_db()
    assert inv.status == InvitationStatus.ANSWERED and inv.answered_at == NOW
    assert response.positive is positive
    [log] = AccessLog.objects.order_by("id")[before:]
    assert (log.actor, log.actor_name, log.citizen_id) == (None, "anonymous", citizen.pk)


def test_satisfaction_positive_uses_the_scale_threshold(citizen, satisfaction, invite):
    # Two positive choices, two negative ones; the 0–10 scale decides (7 and up is positive).
    for scale, expected in (("7", True), ("6", False)):
        inv = invite(citizen, satisfaction).invitation
        data = satisfaction_form(inv)
        q2, q4 = question_at(inv, 2), question_at(inv, 4)
        data[f"q{q2.pk}"] = str(q2.options.get(label="Nej, slet ikke").pk)
        data[f"q{q4.pk}"] = str(q4.options.get(label="Nej, kun i ringe grad").pk)
        data[f"q{question_at(inv, 5).pk}"] = scale
        answers_save(invitation=inv, raw=raw(data))
        assert response_submit(invitation=inv).positive is expected, scale


@pytest.mark.parametrize(
    ("ratings", "level"),
    [
        (["Let"] * 10, "high"),
        (["Meget let", "Let"] * 5, "high"),
        (["Svært", "Svært"] + ["Let"] * 8, "medium"),
        (["Svært", "Let"] * 5, "medium"),
        (["Meget svært", "Svært", "Svært", "Svært"] + ["Meget let"] * 6, "low"),
    ],
)
def test_the_health_literacy_level_is_stored_on_the_citizen(
    citizen, literacy, invite, ratings, level
):
    inv = invite(citizen, literacy, channel="tablet").invitation
    answers_save(invitation=inv, raw=raw(literacy_form(inv, ratings)))
    response = response_submit(invitation=inv)
    citizen.refresh_from_db()
    assert (citizen.health_literacy, citizen.health_literacy_assessed_on) == (level, NOW.date())
    assert response.result == level
    assert set(response.scores["domains"]) == {
        "Finde information",
        "Forstå information",
        "Tale med sundhedspersoner",
        "Holde styr på forløbet",
        "Bruge viden i hverdagen",
    }


def test_a_later_screening_replaces_the_level_with_its_date(citizen, literacy, invite):
    first = invite(citizen, literacy, channel="tablet").invitation
    answers_save(invitation=first, raw=raw(literacy_form(first, ["Svært"] * 10)))
    response_submit(invitation=first)
    with time_machine.travel(NOW + timedelta(days=60), tick=False):
        second = invite(citizen, literacy, channel="tablet").invitation
        answers_save(invitation=second, raw=raw(literacy_form(second, ["Let"] * 10)))
        response_submit(invitation=second)
    citizen.refresh_from_db()
    assert citizen.health_literacy == "high"
    assert citizen.health_literacy_assessed_on == (NOW + timedelta(days=60)).date()


# --- versions keep the meaning of old answers -----------------------------------------------------


def test_a_new_version_leaves_old_answers_with_their_version(
    citizen, admin_a, satisfaction, invite
):
    own = services.questionnaire_copy(actor=admin_a, questionnaire=satisfaction)
    v1 = own.versions.get()
    services.version_publish(actor=admin_a, version=v1)
    old = invite(citizen, own).invitation
    answers_save(invitation=old, raw=raw(satisfaction_form(old)))
    old_response = response_submit(invitation=old)

    v2 = services.version_new_draft(actor=admin_a, version=v1)
    first = v2.questions.order_by("order").first()
    services.question_update(
        actor=admin_a,
        question=first,
        data=services.QuestionData(
            kind="single",
            text="Hvordan var forløbet alt i alt?",
            options=(
                services.OptionData("Godt", 2, True),
                services.OptionData("Skidt", 1, False),
            ),
        ),
    )
    services.version_publish(actor=admin_a, version=v2)
    new = invite(citizen, own).invitation

    assert (old.version.number, new.version.number) == (1, 2)
    old_first = old_response.answers.get(question__order=1)
    assert old_first.question.text == "Hvor tilfreds er du samlet set med dit forløb?"
    assert [o.label for o in old_first.options.all()] == ["Meget tilfreds"]
    assert old_first.question.version == v1
    assert list(v1.questions.order_by("order").first().options.values_list("label", flat=True)) == [
        "Meget tilfreds",
        "Tilfreds",
        "Hverken tilfreds eller utilfreds",
        "Utilfreds",
        "Meget utilfreds",
    ]
    old_response.refresh_from_db()
    assert old_response.positive is True


def test_a_published_version_cannot_be_edited(admin_a, satisfaction):
    own = services.questionnaire_copy(actor=admin_a, questionnaire=satisfaction)
    version = own.versions.get()
    services.version_publish(actor=admin_a, version=version)
    question = version.questions.first()
    data = services.QuestionData(kind="text", text="Ændret?")
    for attempt in (
        lambda: services.question_update(actor=admin_a, question=question, data=data),
        lambda: services.question_add(actor=admin_a, version=version, data=data),
        lambda: services.question_delete(actor=admin_a, question=question),
        lambda: services.question_move(actor=admin_a, question=question, up=False),
        lambda: services.version_set_intro(actor=admin_a, version=version, intro="Nyt"),
        lambda: services.version_publish(actor=admin_a, version=version),
    ):
        with pytest.raises(ValidationError):
            attempt()
    question.refresh_from_db()
    assert question.text == "Hvor tilfreds er du samlet set med dit forløb?"
    assert version.questions.count() == 7
    version.refresh_from_db()
    assert version.status == VersionStatus.PUBLISHED


def test_the_shared_questionnaires_cannot_be_changed(admin_a, satisfaction):
    version = satisfaction.versions.get()
    with pytest.raises(ValidationError):
        services.version_new_draft(actor=admin_a, version=version)
    with pytest.raises(ValidationError):
        services.questionnaire_set_active(actor=admin_a, questionnaire=satisfaction, active=False)
    assert satisfaction.versions.count() == 1


# --- the periodic satisfaction invitations --------------------------------------------------------


def completed(org_a, *, days_ago: int, **citizen):
    return PathwayFactory(
        referral__citizen__municipality=org_a.municipality,
        referral__citizen__first_name="Bo",
        team=org_a.team,
        status=PathwayStatus.COMPLETED,
        ended_at=NOW - timedelta(days=days_ago),
        **{f"referral__citizen__{k}": v for k, v in citizen.items()},
    )


@override_settings(FORLOB_SATISFACTION_INVITE_DAYS=14)
def test_completed_pathways_are_invited_once(org_a, satisfaction, outbox):
    recent = completed(org_a, days_ago=2)
    by_email = completed(org_a, days_ago=13, phone="", email="bo@example.org")
    completed(org_a, days_ago=20)  # too long ago
    completed(org_a, days_ago=1, phone="", email="")  # no way to reach
    completed(org_a, days_ago=1, sms_opt_out=True)  # declined SMS, no e-mail
    PathwayFactory(
        referral__citizen__municipality=org_a.municipality,
        status=PathwayStatus.DROPPED_OUT,
        ended_at=NOW - timedelta(days=1),
    )

    assert invite_satisfaction_for_completed_pathways() == 2
    assert invite_satisfaction_for_completed_pathways() == 0  # idempotent

    invitations = Invitation.objects.order_by("pathway__ended_at")
    assert [(i.pathway, i.delivery) for i in invitations] == [
        (by_email, "email"),
        (recent, "sms"),
    ]
    assert all(i.version.questionnaire == satisfaction for i in invitations)
    assert all(i.team == org_a.team and i.created_by is None for i in invitations)
    assert len(outbox) == 2


def test_a_municipalitys_own_satisfaction_survey_is_preferred(org_a, admin_a, satisfaction, outbox):
    own = services.questionnaire_copy(actor=admin_a, questionnaire=satisfaction)
    services.version_publish(actor=admin_a, version=own.versions.get())
    completed(org_a, days_ago=1)
    invite_satisfaction_for_completed_pathways()
    assert Invitation.objects.get().version.questionnaire == own
    assert own.purpose == Purpose.SATISFACTION


def test_the_job_is_registered_with_the_worker():
    from forlob.core import periodic

    assert "questionnaires.invite_satisfaction" in {j.name for j in periodic.jobs()}


def test_the_notifications_outbox_gets_the_link(citizen, satisfaction, therapist):
    """Against the real ``message_queue`` of the notifications app (no fake outbox here)."""
    pytest.importorskip("forlob.notifications.services")
    from forlob.notifications.models import OutboundMessage

    new = services.invitation_create(
        actor=therapist,
        citizen=citizen,
        questionnaire=satisfaction,
        channel="link",
        delivery="sms",
        base_url="https://forlob.randers.dk",
    )
    message = OutboundMessage.objects.get(citizen=citizen)
    assert (message.channel, message.purpose) == ("sms", "questionnaire")
    assert message.recipient.endswith("12345678")  # the citizen's number
    assert message.related_key == f"questionnaire_invitation:{new.invitation.pk}"
    assert f"https://forlob.randers.dk/q/{new.token}/" in message.body
    assert citizen.cpr not in message.body
