"""Home-care and provider staff see their citizens through the plan's pages, never the whole
record: not the citizen page (full CPR, timeline), the referral, the pathway page or calendars."""

from __future__ import annotations

import pytest
from django.urls import reverse

from forlob.access.models import AccessLog

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.mark.parametrize("who", ["provider_staff", "homecare_worker"])
def test_staff_of_a_provider_cannot_open_the_whole_record(client_for, active_case, who, request):
    user = request.getfixturevalue(who)
    client = client_for(user)
    pathway = active_case.pathway
    urls = [
        reverse("citizens:detail", args=[pathway.citizen_id]),
        reverse("pathways:detail", args=[pathway.pk]),
        reverse("referrals:detail", args=[pathway.referral_id]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert pathway.citizen.cpr_formatted not in response.content.decode()
    denied = AccessLog.objects.filter(actor=user, outcome=AccessLog.Outcome.DENIED)
    assert denied.count() == len(urls)
    for page in ("referrals:inbox", "citizens:search", "scheduling:day"):
        assert client.get(reverse(page)).status_code in (403, 404), page
    nav = client.get(reverse("home")).context["nav_items"]
    assert reverse("referrals:inbox") not in [item["url"] for item in nav]


def test_provider_staff_still_sees_the_plan_of_their_citizen(
    client_for, active_case, provider_staff
):
    response = client_for(provider_staff).get(reverse("homecare:plan", args=[active_case.pk]))
    assert response.status_code == 200
    assert active_case.pathway.citizen.cpr_formatted not in response.content.decode()
