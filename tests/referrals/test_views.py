"""The intake inbox and registering a referral through the form."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

import pytest
from django.urls import reverse

from forlob.access.models import AccessLog
from forlob.citizens.cpr import MESSAGE_DATE, MESSAGE_FORMAT
from forlob.citizens.models import Citizen
from forlob.pathways.models import Pathway, PathwayStatus
from forlob.referrals.models import Referral, ReferralType
from forlob.referrals.services import (
    MESSAGE_DISCHARGE_FAR,
    MESSAGE_RECEIVED_FUTURE,
    MESSAGE_REQUIRED,
)
from forlob.referrals.views import MESSAGE_CPR_ELSEWHERE
from tests import factories
from tests.factories import CitizenFactory, ReferralFactory, make_cpr, referral_type
from tests.helpers import TODAY, counts, flash, form_errors, tr

pytestmark = pytest.mark.usefixtures("frozen")

NEW_CPR = make_cpr(date(1948, 3, 17), 123)  # odd last digit: a man born 17 March 1948
# The referral form for a new citizen, with the CPR typed the usual way (DDMMYY-XXXX).
gop_form = partial(factories.gop_form, cpr=f"{NEW_CPR[:6]}-{NEW_CPR[6:]}")


# --- inbox ----------------------------------------------------------------------------------------


@pytest.fixture
def inbox_referrals(org_a):
    m = org_a.municipality

    def gop(deadline: date, **kwargs) -> Referral:
        discharge = deadline - timedelta(days=7)
        kwargs.setdefault("received_date", min(discharge, TODAY))
        return ReferralFactory(citizen__municipality=m, discharge_date=discharge, **kwargs)

    return {
        "no deadline": ReferralFactory(
            citizen__municipality=m, type_code="free_physio", received_date=TODAY - timedelta(20)
        ),
        "in 5 days": gop(TODAY + timedelta(days=5)),
        "overdue 2": gop(TODAY - timedelta(days=2)),
        "tomorrow": gop(TODAY + timedelta(days=1), received_date=TODAY),  # a late plan
        "today": gop(TODAY),
        "in 3 days": gop(TODAY + timedelta(days=3)),
    }


def test_inbox_orders_by_deadline_with_no_deadline_last(client_for, therapist, inbox_referrals):
    accepted = ReferralFactory(
        citizen__municipality=therapist.municipality, status=Referral.Status.ACCEPTED
    )
    response = client_for(therapist).get(reverse("referrals:inbox"))
    assert response.status_code == 200
    order = [row["referral"] for row in response.context["rows"]]
    r = inbox_referrals
    assert order == [
        r["overdue 2"], r["today"], r["tomorrow"], r["in 3 days"], r["in 5 days"], r["no deadline"]
    ]  # fmt: skip
    assert accepted not in order


def test_inbox_marks_overdue_and_soon(client_for, therapist, inbox_referrals):
    response = client_for(therapist).get(reverse("referrals:inbox"))
    rows = {row["referral"].pk: row for row in response.context["rows"]}
    r = inbox_referrals
    assert rows[r["overdue 2"].pk]["urgency"] == "overdue"
    assert rows[r["overdue 2"].pk]["overdue_days"] == 2
    assert rows[r["overdue 2"].pk]["days_left"] == -2
    assert rows[r["today"].pk]["urgency"] == "soon"
    assert rows[r["tomorrow"].pk]["urgency"] == "soon"
    assert rows[r["in 3 days"].pk]["urgency"] == ""
    assert rows[r["no deadline"].pk]["days_left"] is None
    assert rows[r["no deadline"].pk]["urgency"] == ""
    html = response.content.decode()
    assert html.count('<tr class="overdue">') == 1
    assert html.count('<tr class="soon">') == 2


def test_inbox_flags_a_plan_that_arrived_after_discharge(client_for, therapist, inbox_referrals):
    response = client_for(therapist).get(reverse("referrals:inbox"))
    late = [
        row["referral"]
        for row in response.context["rows"]
        if row["referral"].arrived_after_discharge
    ]
    assert late == [inbox_referrals["tomorrow"]]
    assert response.content.decode().count('class="badge warn"') == 1


def test_inbox_filters_by_type_and_area(client_for, therapist, inbox_referrals):
    c = client_for(therapist)
    gops = c.get(reverse("referrals:inbox"), {"type": "gop"}).context["rows"]
    assert len(gops) == 5
    physio = c.get(reverse("referrals:inbox"), {"type": "free_physio"}).context["rows"]
    assert [row["referral"] for row in physio] == [inbox_referrals["no deadline"]]
    neuro = c.get(reverse("referrals:inbox"), {"area": "neurological"}).context["rows"]
    assert neuro == []


def test_inbox_shows_nothing_of_another_municipality(client_for, outsider, inbox_referrals):
    response = client_for(outsider).get(reverse("referrals:inbox"))
    assert response.status_code == 200
    assert response.context["rows"] == []
    html = response.content.decode()
    for referral in inbox_referrals.values():
        assert referral.citizen.first_name not in html
        assert referral.citizen.cpr[:6] not in html


def test_inbox_masks_cpr_numbers(client_for, therapist, inbox_referrals):
    html = client_for(therapist).get(reverse("referrals:inbox")).content.decode()
    for referral in inbox_referrals.values():
        assert referral.citizen.cpr_masked in html
        assert referral.citizen.cpr not in html
        assert referral.citizen.cpr_formatted not in html


# --- registering ----------------------------------------------------------------------------------


def test_register_gop_creates_citizen_and_referral_with_deadline(client_for, therapist, org_a):
    response = client_for(therapist).post(reverse("referrals:create"), gop_form(team=org_a.team.pk))

    citizen = Citizen.objects.get(cpr=NEW_CPR)
    referral = Referral.objects.get(citizen=citizen)
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:detail", args=[referral.pk])
    assert (citizen.first_name, citizen.last_name, citizen.phone) == ("Jens", "Hansen", "87654321")
    assert citizen.birth_date == date(1948, 3, 17)
    assert citizen.sex == Citizen.Sex.MALE
    assert citizen.municipality == therapist.municipality
    assert referral.referral_type.code == ReferralType.GOP
    assert referral.discharge_date == TODAY - timedelta(days=1)
    assert referral.offer_deadline == TODAY + timedelta(days=6)  # discharge + 7
    assert referral.status == Referral.Status.NEW
    assert referral.team == org_a.team
    assert referral.created_by == therapist
    assert referral.municipality == therapist.municipality
    operations = set(AccessLog.objects.filter(citizen=citizen).values_list("operation", flat=True))
    assert {"citizen_register", "referral_register"} <= operations


def test_register_for_existing_citizen_reuses_the_citizen(client_for, therapist, org_a):
    citizen = CitizenFactory(municipality=org_a.municipality)
    before = Citizen.objects.count()
    response = client_for(therapist).post(
        reverse("referrals:create"),
        gop_form(cpr=citizen.cpr, first_name="", last_name="", phone=""),
    )
    assert response.status_code == 302
    assert Citizen.objects.count() == before
    referral = Referral.objects.get()
    assert referral.citizen == citizen
    citizen.refresh_from_db()
    assert citizen.first_name.startswith("Borger")  # names typed for a new citizen are not used


def test_register_non_gop_type_clears_fields_that_do_not_belong(client_for, therapist):
    chronic = referral_type(ReferralType.CHRONIC)
    response = client_for(therapist).post(
        reverse("referrals:create"),
        gop_form(referral_type=chronic.pk, chronic_disease="copd"),
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.chronic_disease == "copd"
    assert (referral.discharge_date, referral.gop_level, referral.diagnosis_area) == (None, "", "")
    assert referral.offer_deadline is None


def test_late_plan_deadline_counts_from_discharge(client_for, therapist):
    discharge = TODAY - timedelta(days=5)
    client_for(therapist).post(
        reverse("referrals:create"), gop_form(discharge_date=discharge.isoformat())
    )
    referral = Referral.objects.get()
    assert referral.offer_deadline == discharge + timedelta(days=7)
    assert referral.arrived_after_discharge


INVALID = {
    "cpr garbage": ({"cpr": "12345"}, {"cpr": [MESSAGE_FORMAT]}),
    "cpr impossible date": ({"cpr": "310290-1234"}, {"cpr": [MESSAGE_DATE]}),
    "received in the future": (
        {"received_date": (TODAY + timedelta(days=1)).isoformat()},
        {"received_date": [MESSAGE_RECEIVED_FUTURE]},
    ),
    "gop without discharge, level, area": (
        {"discharge_date": "", "gop_level": "", "diagnosis_area": ""},
        {
            "discharge_date": [MESSAGE_REQUIRED],
            "gop_level": [MESSAGE_REQUIRED],
            "diagnosis_area": [MESSAGE_REQUIRED],
        },
    ),
    "gop without discharge date": ({"discharge_date": ""}, {"discharge_date": [MESSAGE_REQUIRED]}),
    "discharge far in the future": (
        {"discharge_date": (TODAY + timedelta(days=31)).isoformat()},
        {"discharge_date": [MESSAGE_DISCHARGE_FAR]},
    ),
    "chronic without disease": (
        {"referral_type": "chronic", "chronic_disease": ""},
        {"chronic_disease": [MESSAGE_REQUIRED]},
    ),
    "coordination without area": (
        {"referral_type": "coordination"},
        {"coordination_area": [MESSAGE_REQUIRED]},
    ),
}


@pytest.mark.parametrize("case", list(INVALID), ids=list(INVALID))
def test_invalid_referral_is_shown_again_and_nothing_is_saved(client_for, therapist, case):
    overrides, expected = INVALID[case]
    if overrides.get("referral_type") in ReferralType.objects.values_list("code", flat=True):
        overrides = {**overrides, "referral_type": referral_type(overrides["referral_type"]).pk}
    before = counts(Citizen, Referral, AccessLog)

    response = client_for(therapist).post(reverse("referrals:create"), gop_form(**overrides))

    assert response.status_code == 200
    assert form_errors(response) == {k: [tr(m) for m in v] for k, v in expected.items()}
    # A new citizen is not left behind when the referral fails.
    assert counts(Citizen, Referral, AccessLog) == before
    html = response.content.decode()
    for messages in expected.values():
        for m in messages:
            assert tr(m) in html
    # What was typed is shown again.
    assert 'value="Hansen"' in html


def test_new_citizen_needs_names_and_nothing_is_saved(client_for, therapist):
    before = counts(Citizen, Referral, AccessLog)
    response = client_for(therapist).post(
        reverse("referrals:create"), gop_form(first_name=" ", last_name="")
    )
    assert response.status_code == 200
    errors = form_errors(response)
    assert set(errors) == {"first_name", "last_name"}
    assert counts(Citizen, Referral, AccessLog) == before


def test_cpr_of_a_citizen_in_another_municipality_is_refused(client_for, outsider, org_a):
    citizen = CitizenFactory(municipality=org_a.municipality)
    before = counts(Citizen, Referral)
    response = client_for(outsider).post(reverse("referrals:create"), gop_form(cpr=citizen.cpr))
    assert response.status_code == 200
    assert form_errors(response) == {"cpr": [tr(MESSAGE_CPR_ELSEWHERE)]}
    assert counts(Citizen, Referral) == before
    assert citizen.first_name not in response.content.decode()


def test_the_same_cpr_in_other_digits_does_not_make_a_second_citizen(client_for, therapist, org_a):
    citizen = CitizenFactory(municipality=org_a.municipality)
    wide = "".join(chr(ord("０") + int(d)) for d in citizen.cpr)
    client_for(therapist).post(reverse("referrals:create"), gop_form(cpr=wide))
    assert Citizen.objects.count() == 1


def test_create_form_offers_only_own_teams(client_for, therapist, org_a, org_b):
    form = client_for(therapist).get(reverse("referrals:create")).context["form"]
    assert list(form.fields["team"].queryset) == [org_a.team]


# --- detail, reject, create pathway ---------------------------------------------------------------


def test_detail_shows_deadline_and_masks_cpr(client_for, therapist, org_a):
    referral = ReferralFactory(
        citizen__municipality=org_a.municipality, discharge_date=TODAY - timedelta(days=3)
    )
    response = client_for(therapist).get(reverse("referrals:detail", args=[referral.pk]))
    assert response.status_code == 200
    assert response.context["days_left"] == 4
    html = response.content.decode()
    assert referral.citizen.cpr_masked in html
    assert referral.citizen.cpr_formatted not in html


def test_reject_closes_the_referral(client_for, therapist, org_a):
    referral = ReferralFactory(citizen__municipality=org_a.municipality)
    response = client_for(therapist).post(
        reverse("referrals:reject", args=[referral.pk]), {"reason": "other_municipality"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:inbox")
    referral.refresh_from_db()
    assert (referral.status, referral.reject_reason) == ("rejected", "other_municipality")


def test_reject_without_reason_changes_nothing(client_for, therapist, org_a):
    referral = ReferralFactory(citizen__municipality=org_a.municipality)
    response = client_for(therapist).post(reverse("referrals:reject", args=[referral.pk]), {})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.NEW


def test_create_pathway_from_referral(client_for, therapist, org_a):
    referral = ReferralFactory(citizen__municipality=org_a.municipality)
    response = client_for(therapist).post(
        reverse("referrals:create_pathway", args=[referral.pk]),
        {"responsible": therapist.pk, "team": org_a.team.pk},
    )
    pathway = Pathway.objects.get(referral=referral)
    assert response.status_code == 302
    assert response["Location"] == reverse("pathways:detail", args=[pathway.pk])
    assert pathway.status == PathwayStatus.REFERRED
    assert (pathway.responsible, pathway.team) == (therapist, org_a.team)
    assert pathway.offer_deadline == referral.offer_deadline
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED


def test_create_pathway_refuses_a_therapist_of_another_municipality(
    client_for, therapist, outsider, org_a
):
    referral = ReferralFactory(citizen__municipality=org_a.municipality)
    response = client_for(therapist).post(
        reverse("referrals:create_pathway", args=[referral.pk]), {"responsible": outsider.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:detail", args=[referral.pk])
    assert not Pathway.objects.exists()


def test_create_pathway_twice_keeps_one(client_for, therapist, org_a):
    referral = ReferralFactory(citizen__municipality=org_a.municipality)
    c = client_for(therapist)
    url = reverse("referrals:create_pathway", args=[referral.pk])
    c.post(url, {"responsible": therapist.pk})
    response = c.post(url, {"responsible": therapist.pk})
    assert response["Location"] == reverse("referrals:detail", args=[referral.pk])
    assert Pathway.objects.filter(referral=referral).count() == 1


def test_the_citizens_wishes_are_saved_and_shown_again(client_for, therapist, org_a):
    referral = ReferralFactory(citizen__municipality=org_a.municipality, team=org_a.team)
    c = client_for(therapist)
    response = c.post(
        reverse("referrals:preferences", args=[referral.pk]),
        {"preferred_location": org_a.location.pk, "unavailable_weekdays": ["0", "4"]},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.preferred_location == org_a.location
    assert referral.unavailable_weekday_set == {0, 4}
    form = c.get(reverse("referrals:detail", args=[referral.pk])).context["preferences_form"]
    assert form.initial == {"preferred_location": org_a.location.pk, "unavailable_weekdays": [0, 4]}


def test_a_location_of_another_municipality_is_refused(client_for, therapist, org_a, org_b):
    referral = ReferralFactory(citizen__municipality=org_a.municipality, team=org_a.team)
    response = client_for(therapist).post(
        reverse("referrals:preferences", args=[referral.pk]),
        {"preferred_location": org_b.location.pk},
    )
    assert response.status_code == 302
    assert flash(response)
    referral.refresh_from_db()
    assert referral.preferred_location is None
