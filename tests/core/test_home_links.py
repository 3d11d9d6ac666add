"""The start page links only to pages the user may open."""

from __future__ import annotations

import re

from django.urls import reverse


def test_a_manager_sees_the_inbox_counts_without_a_link_to_the_inbox(client_for, manager):
    html = client_for(manager).get(reverse("home")).content.decode()
    assert 'data-testid="waiting"' in html
    assert reverse("referrals:inbox") not in html
    for link in set(re.findall(r'href="(/[^"#?]*)"', html)) - {"/logout/"}:
        if link.startswith(("/static", "/admin")):
            continue
        assert client_for(manager).get(link).status_code == 200, link


def test_a_therapist_gets_the_inbox_link(client_for, therapist):
    html = client_for(therapist).get(reverse("home")).content.decode()
    assert f'href="{reverse("referrals:inbox")}"' in html
