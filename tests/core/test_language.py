"""The UI is Danish for everyone, whatever language the browser prefers."""

from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.parametrize("accept", ["en-US,en;q=0.9", "de-DE", ""])
def test_pages_are_danish_whatever_the_browser_asks_for(client_for, therapist, accept):
    response = client_for(therapist).get(reverse("referrals:inbox"), HTTP_ACCEPT_LANGUAGE=accept)
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="da"' in body
    assert "Indbakke" in body
    assert "Intake inbox" not in body
