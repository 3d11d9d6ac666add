"""Every URL pattern is either run through the access matrix or exempt with a reason.

zulip's "Some URLs are untested!": a new view that nobody added to tests/access/url_matrix.py
fails here, so the negative tests (outsider 404, wrong method 405, ...) cannot be forgotten.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from forlob.access.models import AccessLog
from forlob.citizens.models import Citizen, CitizenNote
from forlob.pathways.models import Pathway, PathwayTransition
from forlob.referrals.models import Referral
from forlob.scheduling.models import Appointment
from tests.access.url_matrix import (
    CITIZEN_URLS,
    COVERED_NAMES,
    EXEMPT_NAMES,
    EXEMPT_NAMESPACES,
    PAGE_URLS,
    TESTED_ELSEWHERE,
)


def walk(patterns, namespaces=(), prefix="") -> Iterator[tuple[tuple[str, ...], str | None, str]]:
    """(namespaces, name, route) for every pattern, descending into includes."""
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = (*namespaces, p.namespace) if p.namespace else namespaces
            yield from walk(p.url_patterns, ns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield namespaces, p.name, prefix + str(p.pattern)


def all_patterns() -> list[tuple[tuple[str, ...], str | None, str]]:
    return list(walk(get_resolver().url_patterns))


def test_every_url_is_tested_or_exempt():
    untested = []
    for namespaces, name, route in all_patterns():
        if namespaces and namespaces[0] in EXEMPT_NAMESPACES:
            continue
        full = ":".join((*namespaces, name)) if name else None
        if full is None or (full not in COVERED_NAMES and full not in EXEMPT_NAMES):
            untested.append(f"{route} (name={full})")
    assert not untested, (
        "Some URLs are untested! Add them to tests/access/url_matrix.py "
        "(CITIZEN_URLS or PAGE_URLS) or exempt them there with a reason:\n  "
        + "\n  ".join(untested)
    )


def test_the_matrix_names_only_urls_that_exist():
    names = {":".join((*ns, n)) for ns, n, _ in all_patterns() if n}
    assert names >= COVERED_NAMES
    assert set(EXEMPT_NAMES) <= names


def test_the_walk_sees_the_whole_configuration():
    names = {":".join((*ns, n)) for ns, n, _ in all_patterns() if n}
    assert {"home", "login", "citizens:detail", "scheduling:appointment_action"} <= names
    assert any(ns and ns[0] == "admin" for ns, _, _ in all_patterns())
    assert len(CITIZEN_URLS) + len(PAGE_URLS) + len(TESTED_ELSEWHERE) >= len(COVERED_NAMES)


def test_admin_exemption_holds_no_citizen_data():
    """The admin is exempt only because it registers no citizen data (it writes no audit log)."""
    citizen_data = {
        Citizen,
        CitizenNote,
        Referral,
        Pathway,
        PathwayTransition,
        Appointment,
        AccessLog,
    }
    assert not citizen_data & set(admin.site._registry)


def test_no_url_takes_a_cpr_number():
    """No route has a parameter that could carry a CPR number except a numeric database id."""
    for _, name, route in all_patterns():
        assert "cpr" not in route.lower(), (name, route)
    assert reverse("citizens:search") == "/citizens/"
