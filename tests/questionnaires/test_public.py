"""The citizen's page /q/<token>/: no login, one-time, saves as it goes, shows nothing private."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import reverse

from forlob.questionnaires.models import Answer, Invitation, InvitationStatus
from tests.factories import CitizenFactory
from tests.helpers import NOW, tr
from tests.questionnaires.support import question_at, satisfaction_form

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def citizen(org_a):
    return CitizenFactory(municipality=org_a.municipality, first_name="Karen", last_name="Zacho")


@pytest.fixture
def link(citizen, satisfaction, invite):
    return invite(citizen, satisfaction)


def html(response) -> str:
    return response.content.decode()


def checked_values(page: str, name: str) -> set[str]:
    return set(re.findall(rf'name="{name}" value="([^"]+)" checked', page))


# --- what the page shows --------------------------------------------------------------------------


def test_the_link_opens_without_login_and_records_opened_at(client_for, link, citizen):
    anonymous = client_for(None)
    response = anonymous.get(link.path)
    assert response.status_code == 200
    invitation = Invitation.objects.get(pk=link.invitation.pk)
    assert (invitation.opened_at, invitation.status) == (NOW, InvitationStatus.OPENED)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        anonymous.get(link.path)
    assert Invitation.objects.get(pk=link.invitation.pk).opened_at == NOW  # the first time


def test_the_page_shows_the_first_name_only_and_nothing_private(client_for, link, citizen):
    page = html(client_for(None).get(link.path))
    assert "Borgertilfredshed" in page
    assert "Karen" in page
    assert "Zacho" not in page
    for cpr in (citizen.cpr, citizen.cpr_formatted, citizen.cpr[:6], citizen.cpr_masked):
        assert cpr not in page
    assert "Randers Kommune" in page  # who is asking


def test_tablet_mode_shows_no_staff_data_while_staff_is_logged_in(
    client_for, therapist, citizen, satisfaction, invite
):
    tablet = invite(citizen, satisfaction, channel="tablet")
    page = html(client_for(therapist).get(tablet.path))
    assert "Karen" in page
    for private in ("Zacho", citizen.cpr[:6], therapist.first_name, therapist.last_name):
        assert private not in page
    assert reverse("logout") not in page and reverse("citizens:search") not in page
    assert "<nav" not in page


@override_settings(FORLOB_REQUIRE_2FA=True)
def test_the_link_works_for_a_staff_session_without_second_factor(client_for, therapist, link):
    # The tablet in the clinic: the page is public, so the second-factor detour does not apply.
    assert client_for(therapist).get(link.path).status_code == 200


def test_the_page_is_accessible_and_phone_friendly(client_for, link):
    page = html(client_for(None).get(link.path))
    assert '<html lang="da">' in page
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page
    assert page.count("<fieldset") == page.count("<legend") == 7
    # Every choice input sits inside its label (the whole row is the touch target).
    assert len(re.findall(r'<label class="q-choice[^"]*"><input', page)) == 5 + 4 * 3 + 11 + 5
    assert 'aria-labelledby="legend-' in page  # the free-text box is named by its question
    assert 'hx-post="' in page and 'hx-trigger="change"' in page


def test_the_page_is_not_cached_and_the_token_leaks_to_no_other_site(client_for, link):
    response = client_for(None).get(link.path)
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"  # the token never goes to another site
    assert "noindex" in response["X-Robots-Tag"]


# --- saving as the citizen goes -------------------------------------------------------------------


def test_htmx_saves_one_question_and_a_reload_shows_it(client_for, link):
    c = client_for(None)
    inv = link.invitation
    q1, q5 = question_at(inv, 1), question_at(inv, 5)
    tilfreds = str(q1.options.get(label="Tilfreds").pk)
    save = reverse("public_questionnaire:save", args=[link.token])
    # htmx posts the whole form; only the question that changed is saved.
    response = c.post(
        save, {"question": q1.pk, f"q{q1.pk}": tilfreds, f"q{q5.pk}": "3"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert tr("Saved") in html(response)
    assert [a.question_id for a in Answer.objects.all()] == [q1.pk]

    page = html(c.get(link.path))
    assert checked_values(page, f"q{q1.pk}") == {tilfreds}
    assert checked_values(page, f"q{q5.pk}") == set()


def test_htmx_save_of_an_invalid_value_says_so_and_saves_nothing(client_for, link):
    q5 = question_at(link.invitation, 5)
    response = client_for(None).post(
        reverse("public_questionnaire:save", args=[link.token]),
        {"question": q5.pk, f"q{q5.pk}": "42"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'class="error"' in html(response)
    assert not Answer.objects.exists()


@pytest.mark.parametrize("question", ["", "abc", "999999999", "9" * 40])
def test_htmx_save_of_an_unknown_question_is_404(client_for, link, question):
    response = client_for(None).post(
        reverse("public_questionnaire:save", args=[link.token]), {"question": question}
    )
    assert response.status_code == 404


def test_without_javascript_the_save_button_saves_the_page(client_for, link):
    c = client_for(None)
    inv = link.invitation
    q1, q7 = question_at(inv, 1), question_at(inv, 7)
    meget = str(q1.options.get(label="Meget tilfreds").pk)
    response = c.post(link.path, {"action": "save", f"q{q1.pk}": meget, f"q{q7.pk}": "Gode tider."})
    assert response.status_code == 302
    assert response["Location"].startswith(link.path + "?gemt=1")
    page = html(c.get(response["Location"]))
    assert 'data-testid="saved-notice"' in page
    assert checked_values(page, f"q{q1.pk}") == {meget}
    assert "Gode tider." in page
    assert Invitation.objects.get(pk=inv.pk).answered_at is None


def test_submitting_too_early_shows_what_is_missing_and_keeps_what_was_given(client_for, link):
    c = client_for(None)
    inv = link.invitation
    q1, q2, q7 = question_at(inv, 1), question_at(inv, 2), question_at(inv, 7)
    meget = str(q1.options.get(label="Meget tilfreds").pk)
    response = c.post(
        link.path, {"action": "submit", f"q{q1.pk}": meget, f"q{q7.pk}": "Skrevet tekst"}
    )
    assert response.status_code == 422
    page = html(response)
    assert 'data-testid="form-errors"' in page
    assert f'id="error-{q2.pk}"' in page and f'id="error-{q1.pk}"' not in page
    assert tr("Please answer this question.") in page
    assert checked_values(page, f"q{q1.pk}") == {meget}
    assert "Skrevet tekst" in page
    assert Invitation.objects.get(pk=inv.pk).answered_at is None


def test_submitting_ends_with_thanks_and_the_link_is_then_used(client_for, link):
    c = client_for(None)
    response = c.post(link.path, {"action": "submit", **satisfaction_form(link.invitation)})
    assert response.status_code == 302
    assert response["Location"] == link.path + "?tak=1"
    assert 'data-testid="closed-thanks"' in html(c.get(response["Location"]))
    inv = Invitation.objects.get(pk=link.invitation.pk)
    assert inv.status == InvitationStatus.ANSWERED
    assert inv.response.positive is True

    again = client_for(None)
    assert 'data-testid="closed-answered"' in html(again.get(link.path))
    before = Answer.objects.count()
    q5 = question_at(inv, 5)
    response = again.post(link.path, {"action": "submit", f"q{q5.pk}": "0"})
    assert 'data-testid="closed-answered"' in html(response)
    response = again.post(
        reverse("public_questionnaire:save", args=[link.token]),
        {"question": q5.pk, f"q{q5.pk}": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert response["HX-Refresh"] == "true"
    assert Answer.objects.count() == before
    assert Answer.objects.get(question=q5).value == 9


def test_tablet_thanks_asks_to_hand_the_tablet_back(
    client_for, therapist, citizen, satisfaction, invite
):
    tablet = invite(citizen, satisfaction, channel="tablet")
    c = client_for(therapist)
    response = c.post(tablet.path, {"action": "submit", **satisfaction_form(tablet.invitation)})
    page = html(c.get(response["Location"]))
    assert tr("Please hand the tablet back to the staff.") in page


def test_an_expired_link_says_so_and_saves_nothing(client_for, link):
    c = client_for(None)
    q5 = question_at(link.invitation, 5)
    with time_machine.travel(link.invitation.expires_at, tick=False):
        response = c.get(link.path)
        assert response.status_code == 410
        assert 'data-testid="closed-expired"' in html(response)
        response = c.post(link.path, {"action": "save", f"q{q5.pk}": "5"})
        assert response.status_code == 410
    assert not Answer.objects.exists()
    assert Invitation.objects.get(pk=link.invitation.pk).opened_at is None


# --- guessing -------------------------------------------------------------------------------------


def test_an_unknown_token_is_the_ordinary_404_page(client_for, link):
    c = client_for(None)
    unknown = c.get("/q/" + "B" * 32 + "/")
    malformed = c.get("/q/not-a-token/")
    nowhere = c.get("/no-such-page/")
    assert unknown.status_code == malformed.status_code == 404
    assert unknown.content == malformed.content == nowhere.content


@override_settings(FORLOB_QUESTIONNAIRE_GUESS_LIMIT=3)
def test_guessing_is_paused_after_the_limit(client_for, link):
    c = client_for(None)
    assert c.get(link.path).status_code == 200
    for n in range(3):
        assert c.get(f"/q/{'C' * 31}{n}/").status_code == 404
    assert c.get(f"/q/{'D' * 32}/").status_code == 429
    assert c.get(link.path).status_code == 429  # even a real link: the guesses are not checked
    other_address = Client(REMOTE_ADDR="10.0.0.9")
    assert other_address.get(link.path).status_code == 200


def test_wrong_methods_are_refused(client_for, link):
    c = client_for(None)
    for method in ("put", "delete", "patch"):
        assert getattr(c, method)(link.path).status_code == 405
    assert c.get(reverse("public_questionnaire:save", args=[link.token])).status_code == 405


def test_posting_needs_the_pages_csrf_token(link):
    strict = Client(enforce_csrf_checks=True)
    q5 = question_at(link.invitation, 5)
    assert strict.post(link.path, {"action": "save", f"q{q5.pk}": "5"}).status_code == 403
    page = html(strict.get(link.path))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = strict.post(
        link.path, {"action": "save", f"q{q5.pk}": "5", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert Answer.objects.get().value == 5
