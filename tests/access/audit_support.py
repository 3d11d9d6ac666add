"""Shared pieces of the audit-log tests (test_audit_log.py, test_audit_views.py, test_insight.py).

Not a conftest: tests/access/ is shared, so the fixtures live in the test modules and build on
these helpers.
"""

from __future__ import annotations

from datetime import datetime

import time_machine
from django.urls import reverse

from forlob.access.models import AccessLog
from forlob.access.services import audit_record
from forlob.citizens.models import Citizen
from forlob.core.choices import Profession, Role
from forlob.core.models import User
from tests.conftest import Org
from tests.factories import UserFactory

# Every audit URL, the methods it accepts, and a valid body for the POSTs.
AUDIT_PAGES: dict[str, tuple[str, ...]] = {
    "audit:log": ("get", "post"),
    "audit:export_csv": ("get",),
    "audit:export_xlsx": ("get",),
    "audit:break_glass": ("get",),
    "audit:insight": ("get", "post"),
}


def make_admin(org: Org, first_name: str = "Maria", last_name: str = "Admin") -> User:
    return UserFactory(
        municipality=org.municipality,
        roles=[Role.ADMIN],
        profession=Profession.ADMINISTRATIVE,
        first_name=first_name,
        last_name=last_name,
    )


def entry_at(
    when: datetime,
    *,
    actor: User,
    citizen: Citizen | None = None,
    operation: str = "citizen_detail",
    kind: str = AccessLog.Kind.READ,
    outcome: str = AccessLog.Outcome.ALLOWED,
    reason: str = "",
) -> AccessLog:
    """An audit entry written at ``when`` (``at`` is set by the database row's creation time)."""
    with time_machine.travel(when, tick=False):
        return audit_record(
            actor=actor,
            kind=kind,
            operation=operation,
            outcome=outcome,
            citizen=citizen,
            reason=reason,
        )


def review_url(grant_pk: int) -> str:
    return reverse("audit:break_glass_review", args=[grant_pk])
