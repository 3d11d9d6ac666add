"""Staff send a questionnaire from the citizen or pathway page: a link (SMS, e-mail, shown once)
or the tablet; the section lists what was sent and the health-literacy result.

The generic negative tests of the two POST URLs (anonymous, outsider, manager, read-only role,
wrong method, bad ids) run in tests/access/test_access.py (CITIZEN_URLS)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from forlob.questionnaires.models import Invitation
from forlob.questionnaires.services import (
    MESSAGE_NO_PHONE,
    MESSAGE_NOT_AVAILABLE,
    MESSAGE_PATHWAY_MISMATCH,
    answers_save,
    response_submit,
)
from tests.factories import PathwayFactory
from tests.helpers import flash, tr
from tests.questionnaires.support import literacy_form, raw, satisfaction_form

pytestmark = pytest.mark.usefixtures("frozen")


def page_of(client, case) -> str:
    return client.get(reverse("citizens:detail", args=[case.citizen.pk])).content.decode()


def test_the_citizen_page_has_the_questionnaire_section(client_for, case, therapist, satisfaction):
    page = page_of(client_for(therapist), case)
    assert 'data-testid="questionnaire-panel"' in page
    assert 'data-testid="health-literacy"' in page
    assert reverse("questionnaires:invite", args=[case.citizen.pk]) in page
    assert reverse("questionnaires:start_tablet", args=[case.citizen.pk]) in page
    assert "Borgertilfredshed" in page and "Sundhedskompetence" in page


def test_a_read_only_role_sees_the_section_without_the_forms(client_for, case, assessor):
    page = page_of(client_for(assessor), case)
    assert 'data-testid="questionnaire-panel"' in page
    assert reverse("questionnaires:invite", args=[case.citizen.pk]) not in page


def test_a_link_shown_to_staff_appears_once_and_works(
    client_for, case, therapist, satisfaction, outbox
):
    c = client_for(therapist)
    response = c.post(
        reverse("questionnaires:invite", args=[case.citizen.pk]),
        {"questionnaire": satisfaction.pk, "delivery": "handed"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("citizens:detail", args=[case.citizen.pk])
    first = page_of(c, case)
    url = re.search(r'href="(http://testserver/q/[^"]+/)" data-testid="new-link"', first).group(1)
    assert 'data-testid="new-link"' not in page_of(c, case)  # shown once
    assert outbox == []
    invitation = Invitation.objects.get()
    assert (invitation.channel, invitation.delivery, invitation.created_by) == (
        "link",
        "handed",
        therapist,
    )
    assert client_for(None).get(url.removeprefix("http://testserver")).status_code == 200
    assert 'data-testid="invitation-state"' in page_of(c, case)


def test_a_link_by_sms_is_queued(client_for, case, therapist, satisfaction, outbox):
    c = client_for(therapist)
    response = c.post(
        reverse("questionnaires:invite", args=[case.citizen.pk]),
        {"questionnaire": satisfaction.pk, "delivery": "sms"},
    )
    assert response.status_code == 302
    [message] = outbox
    assert message.channel == "sms" and "http://testserver/q/" in message.body
    assert 'data-testid="new-link"' not in page_of(c, case)


def test_a_link_the_citizen_cannot_get_is_explained(
    client_for, case, therapist, satisfaction, outbox
):
    case.citizen.phone = ""
    case.citizen.save()
    response = client_for(therapist).post(
        reverse("questionnaires:invite", args=[case.citizen.pk]),
        {"questionnaire": satisfaction.pk, "delivery": "sms"},
    )
    assert flash(response) == [tr(MESSAGE_NO_PHONE)]
    assert not Invitation.objects.exists()


def test_a_questionnaire_out_of_use_cannot_be_sent(client_for, case, therapist, satisfaction):
    satisfaction.is_active = False
    satisfaction.save()
    response = client_for(therapist).post(
        reverse("questionnaires:invite", args=[case.citizen.pk]),
        {"questionnaire": satisfaction.pk, "delivery": "handed"},
    )
    assert response.status_code == 302
    # Out of use: no longer offered in the list, so the choice is refused as not available.
    assert flash(response) == [tr(MESSAGE_NOT_AVAILABLE)]
    assert not Invitation.objects.exists()


def test_sending_from_the_pathway_page_ties_the_invitation_to_the_pathway(
    client_for, case, therapist, satisfaction
):
    c = client_for(therapist)
    page = c.get(reverse("pathways:detail", args=[case.pathway.pk])).content.decode()
    assert 'data-testid="questionnaire-panel"' in page
    assert f'name="pathway" value="{case.pathway.pk}"' in page
    response = c.post(
        reverse("questionnaires:invite", args=[case.citizen.pk]),
        {"questionnaire": satisfaction.pk, "delivery": "handed", "pathway": case.pathway.pk},
    )
    assert response["Location"] == reverse("pathways:detail", args=[case.pathway.pk])
    invitation = Invitation.objects.get()
    assert invitation.pathway == case.pathway and invitation.team == case.pathway.team
    page = c.get(reverse("pathways:detail", args=[case.pathway.pk])).content.decode()
    assert 'data-testid="new-link"' in page


def test_another_citizens_pathway_is_refused(client_for, case, therapist, satisfaction, org_a):
    other = PathwayFactory(referral__citizen__municipality=org_a.municipality)
    response = client_for(therapist).post(
        reverse("questionnaires:invite", args=[case.citizen.pk]),
        {"questionnaire": satisfaction.pk, "delivery": "handed", "pathway": other.pk},
    )
    assert flash(response) == [tr(MESSAGE_PATHWAY_MISMATCH)]
    assert not Invitation.objects.exists()


def test_the_tablet_opens_the_questionnaire_on_this_device(client_for, case, therapist, literacy):
    c = client_for(therapist)
    response = c.post(
        reverse("questionnaires:start_tablet", args=[case.citizen.pk]),
        {"questionnaire": literacy.pk},
    )
    assert response.status_code == 302
    assert re.fullmatch(r"/q/[A-Za-z0-9_-]{32}/", response["Location"])
    invitation = Invitation.objects.get()
    assert (invitation.channel, invitation.delivery) == ("tablet", "handed")
    tablet = c.get(response["Location"]).content.decode()
    assert "Karen" in tablet and "Zacho" not in tablet


def test_the_section_shows_the_health_literacy_result_but_not_satisfaction_answers(
    client_for, case, therapist, literacy, satisfaction, invite
):
    screening = invite(case.citizen, literacy, channel="tablet").invitation
    answers_save(invitation=screening, raw=raw(literacy_form(screening, ["Svært"] * 10)))
    response_submit(invitation=screening)
    survey = invite(case.citizen, satisfaction).invitation
    data = satisfaction_form(survey)
    answers_save(invitation=survey, raw=raw(data))
    response_submit(invitation=survey)

    page = page_of(client_for(therapist), case)
    level = re.search(r'data-testid="health-literacy">([^<]+)<', page).group(1)
    assert level == tr("Low")
    assert "Hvor let eller svært er det for dig at forstå det, sundhedspersoner" in page
    assert "Tak for hjælpen." not in page  # the satisfaction comment stays out of the record
    assert page.count('data-testid="invitation-state"') == 2
