"""Every URL of the app, in one place: what it shows and who may use it.

tests/access/test_access.py runs the negative tests over these lists, and tests/test_urls.py
fails when the URL configuration has a pattern that is neither here nor explicitly exempt
(zulip's "Some URLs are untested!" idea). Adding a view means adding it here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from django.urls import reverse

from tests.helpers import TODAY

if TYPE_CHECKING:
    from tests.conftest import Case

TUESDAY = TODAY + timedelta(days=1)


def _no_data(case: Case) -> dict[str, object]:
    return {}


@dataclass(frozen=True)
class CitizenUrl:
    """A URL that reads or changes one citizen's data, addressed by an object id."""

    name: str
    method: str  # the one method it accepts: "get" or "post"
    target: str  # the Case attribute whose pk goes in the URL
    kwarg: str = "pk"
    extra: tuple[tuple[str, str], ...] = ()
    # False for a POST that only reads (emergency access): a read-only role may use it.
    writes: bool = True
    # A valid body for the allowed actor, so a refusal is never just "the form was invalid".
    data: Callable[[Case], dict[str, object]] = field(default=_no_data, compare=False)

    @property
    def id(self) -> str:
        suffix = "".join(f"[{v}]" for _, v in self.extra)
        return f"{self.method.upper()} {self.name}{suffix}"

    def url(self, case: Case, pk: object = None) -> str:
        value = getattr(case, self.target).pk if pk is None else pk
        return reverse(self.name, kwargs={self.kwarg: value, **dict(self.extra)})

    def raw_url(self, case: Case, pk: str) -> str:
        """The URL with ``pk`` pasted in as text (for ids the resolver must refuse)."""
        placeholder = 987654321
        return self.url(case, placeholder).replace(str(placeholder), pk)


@dataclass(frozen=True)
class PageUrl:
    """A page without an object id (lists, forms, the overview)."""

    name: str
    methods: tuple[str, ...]
    shows_citizens: bool  # lists or searches citizens: a care role is needed

    @property
    def id(self) -> str:
        return self.name

    def url(self) -> str:
        return reverse(self.name)


def _booking(case: Case) -> dict[str, object]:
    return {
        "staff": case.appointment.staff_id,
        "location": case.appointment.location_id,
        "date": TUESDAY.isoformat(),
        "time": "13:00",
        "duration_minutes": 60,
    }


CITIZEN_URLS: tuple[CitizenUrl, ...] = (
    CitizenUrl("citizens:detail", "get", "citizen"),
    CitizenUrl("citizens:add_note", "post", "citizen", data=lambda c: {"text": "Ringede op."}),
    CitizenUrl(
        "citizens:emergency_access",
        "post",
        "citizen",
        writes=False,
        data=lambda c: {"reason": "Akut henvendelse fra vagtlæge om igangværende forløb."},
    ),
    CitizenUrl("referrals:detail", "get", "referral"),
    CitizenUrl(
        "referrals:create_pathway",
        "post",
        "pending",
        data=lambda c: {"responsible": c.appointment.staff_id},
    ),
    CitizenUrl("referrals:reject", "post", "pending", data=lambda c: {"reason": "sent_in_error"}),
    CitizenUrl(
        "referrals:preferences",
        "post",
        "pending",
        data=lambda c: {
            "preferred_location": c.appointment.location_id,
            "unavailable_weekdays": [2],
        },
    ),
    CitizenUrl("pathways:detail", "get", "pathway"),
    CitizenUrl("pathways:transition", "post", "pathway", data=lambda c: {"to_status": "cancelled"}),
    CitizenUrl("pathways:assign", "post", "pathway", data=lambda c: {"responsible": ""}),
    CitizenUrl("pathways:book", "post", "pathway", kwarg="pathway_pk", data=_booking),
    *(
        CitizenUrl("scheduling:appointment_action", "post", "appointment", extra=(("action", a),))
        for a in ("decline", "cancel", "attended", "no_show")
    ),
)

PAGE_URLS: tuple[PageUrl, ...] = (
    PageUrl("home", ("get",), shows_citizens=False),
    PageUrl("referrals:inbox", ("get",), shows_citizens=True),
    PageUrl("referrals:create", ("get", "post"), shows_citizens=True),
    PageUrl("citizens:search", ("get", "post"), shows_citizens=True),
    PageUrl("scheduling:day", ("get",), shows_citizens=True),
)

# Not citizen data, or guarded by something else; each with the reason.
EXEMPT_NAMES: dict[str, str] = {
    "login": "the login page must answer anonymous users",
    "logout": "ends the session; shows no data",
    "otp_setup": "second login step, the user's own TOTP device; tests/core/test_auth.py",
    "otp_verify": "second login step, no data; tests/core/test_auth.py",
    "scheduling:capacity": "aggregates only, no citizen; anonymous → login, 405, no key figures → "
    "403, another municipality's blocks not listed (tests/scheduling/test_extra_capacity.py, "
    "test_capacity.py)",
    "scheduling:extra_capacity_open": "staff calendars, no citizen data; manager/coordinator "
    "only, therapist → 403, another municipality's staff/location refused "
    "(tests/scheduling/test_extra_capacity.py)",
    "scheduling:extra_capacity_close": "another municipality's block / missing / huge id → 404, "
    "therapist → 403 (tests/scheduling/test_extra_capacity.py)",
    "scheduling:simulation_run": "counts only; therapist → 403, analyst may "
    "(tests/scheduling/test_simulation.py)",
    "api_tokens": "the user's own API tokens; no citizen data (tests/api/test_auth.py)",
    "api_token_revoke": "revokes one of the user's own tokens; another's is 404 "
    "(tests/api/test_auth.py)",
}
EXEMPT_NAMESPACES: dict[str, str] = {
    "admin": "Django's admin: its own login and is_staff/permission checks",
    "api": "the JSON API answers 401/403/404/422 in JSON instead of login redirects; "
    "tests/api/test_endpoints.py runs the same negative tests on every operation and fails "
    "when the OpenAPI schema has an operation its matrix lacks; test_fuzz.py fuzzes them all",
}

# Citizen data whose rules don't fit the generic matrix above, each run through the same negative
# tests (anonymous, roles without access, wrong method, someone else's id) in the module named:
# the audit log (administrators only: 403 for every other role) and the booking proposals (a
# coordinator's own working plan: POST-only actions, another user's run answers 404).
TESTED_ELSEWHERE: dict[str, str] = {
    "audit:log": "tests/access/test_audit_views.py",
    "audit:export_csv": "tests/access/test_audit_views.py",
    "audit:export_xlsx": "tests/access/test_audit_views.py",
    "audit:break_glass": "tests/access/test_audit_views.py",
    "audit:break_glass_review": "tests/access/test_audit_views.py (another municipality's → 404)",
    "audit:insight": "tests/access/test_insight.py (CPR by POST only)",
    "scheduling:propose": "tests/scheduling/test_proposals.py",
    "scheduling:proposals": "tests/scheduling/test_proposals.py",
    "scheduling:proposals_accept_all": "tests/scheduling/test_proposals.py",
    "scheduling:proposal_accept": "tests/scheduling/test_proposals.py",
}

COVERED_NAMES: frozenset[str] = (
    frozenset(u.name for u in CITIZEN_URLS)
    | frozenset(p.name for p in PAGE_URLS)
    | frozenset(TESTED_ELSEWHERE)
)
