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
from tests.measures.post_data import MEASURE_POSTS, with_date

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


def _drop_out(case: Case) -> dict[str, object]:
    from forlob.pathways.models import DropoutReason

    return {"reason": DropoutReason.objects.get(code="no_need_citizen").pk, "note": "Flyttet."}


_HOMECARE_GOAL = {"kind": "free", "title": "Gå til postkassen", "fsiii_item": "J3.8"}
_HOMECARE_ACTION = {"what": "Gå tur til postkassen", "who": "citizen", "times_per_week": 5}
_HOMECARE_END = {
    "date": TODAY.isoformat(),
    "outcome": "self_reliant",
    "after-TOTAL_FORMS": "0",
    "after-INITIAL_FORMS": "0",
}


def _questionnaire(case: Case) -> dict[str, object]:
    from tests.questionnaires.support import seed_shipped

    return {"questionnaire": seed_shipped()["borgertilfredshed"].pk, "delivery": "handed"}


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
    # questionnaires: send a one-time link, start the tablet (the citizen's page: EXEMPT_NAMES)
    CitizenUrl("questionnaires:invite", "post", "citizen", data=_questionnaire),
    CitizenUrl("questionnaires:start_tablet", "post", "citizen", data=_questionnaire),
    # programmes: one citizen on a class (the enrolment)
    CitizenUrl(
        "programmes:attendance_set",
        "post",
        "enrolment",
        data=lambda c: {
            "session": c.enrolment.programme_class.sessions.get().pk,
            "status": "cancelled",
        },
    ),
    CitizenUrl("programmes:drop_out", "post", "enrolment", data=_drop_out),
    CitizenUrl(
        "programmes:book_talk",
        "post",
        "enrolment",
        data=lambda c: {
            "staff": c.appointment.staff_id,
            "date": TUESDAY.isoformat(),
            "time": "14:00",
            "mode": "phone",
        },
    ),
    *(
        CitizenUrl("scheduling:appointment_action", "post", "appointment", extra=(("action", a),))
        for a in ("decline", "cancel", "attended", "no_show")
    ),
    # measures: record each instrument at the start, skip one (forms: TESTED_ELSEWHERE)
    *(
        CitizenUrl(
            "measures:record",
            "post",
            "pathway",
            extra=(("instrument", code), ("time_point", "start")),
            data=lambda c, body=body: with_date(body),
        )
        for code, body in MEASURE_POSTS.items()
    ),
    CitizenUrl(
        "measures:skip",
        "post",
        "pathway",
        extra=(("instrument", "eq5d5l"), ("time_point", "end")),
        data=lambda c: with_date({"reason": "declined"}),
    ),
    # notifications: send a failed reminder again, opt-out, register a proactive call
    CitizenUrl("notifications:retry", "post", "message"),
    CitizenUrl("notifications:opt_out", "post", "citizen", data=lambda c: {"sms_opt_out": "on"}),
    CitizenUrl(
        "notifications:mark_called",
        "post",
        "citizen",
        data=lambda c: {"event_key": f"appointment:{c.appointment.pk}", "note": "Kommer."},
    ),
    # homecare: the citizen's everyday-rehabilitation case and its first visit. The steps the
    # assessor may write (a read-only role here) are in TESTED_ELSEWHERE.
    *(
        CitizenUrl(f"homecare:{name}", "get", "rehab")
        for name in ("case", "assessment", "plan", "evaluations", "review")
    ),
    CitizenUrl("homecare:goal_add", "post", "rehab", data=lambda c: _HOMECARE_GOAL),
    CitizenUrl("homecare:goal_remove", "post", "rehab", data=lambda c: {"goal": c.rehab_goal.pk}),
    CitizenUrl("homecare:action_add", "post", "rehab", data=lambda c: _HOMECARE_ACTION),
    CitizenUrl(
        "homecare:action_remove",
        "post",
        "rehab",
        data=lambda c: {"action": c.rehab.actions.first().pk},
    ),
    CitizenUrl("homecare:visits_generate", "post", "rehab"),
    CitizenUrl(
        "homecare:evaluation_add",
        "post",
        "rehab",
        data=lambda c: {"goal": c.rehab_goal.pk, "progress": 2, "text": "Bedre i dag."},
    ),
    CitizenUrl(
        "homecare:midway_save",
        "post",
        "rehab",
        data=lambda c: {"date": TODAY.isoformat(), "text": "Godt på vej."},
    ),
    CitizenUrl("homecare:end_save", "post", "rehab", data=lambda c: _HOMECARE_END),
    CitizenUrl("homecare:visit_done", "post", "rehab_visit"),
)

PAGE_URLS: tuple[PageUrl, ...] = (
    PageUrl("home", ("get",), shows_citizens=False),
    PageUrl("homecare:index", ("get",), shows_citizens=True),
    PageUrl("homecare:driving_list", ("get",), shows_citizens=True),
    PageUrl("programmes:programme_list", ("get",), shows_citizens=True),
    PageUrl("programmes:class_list", ("get",), shows_citizens=True),
    PageUrl("programmes:class_create", ("get", "post"), shows_citizens=True),
    PageUrl("referrals:inbox", ("get",), shows_citizens=True),
    PageUrl("referrals:create", ("get", "post"), shows_citizens=True),
    PageUrl("citizens:search", ("get", "post"), shows_citizens=True),
    PageUrl("scheduling:day", ("get",), shows_citizens=True),
    # The user's own calendar-feed address: names no citizen, but only for those with a calendar.
    PageUrl("scheduling:feed", ("get", "post"), shows_citizens=True),
    PageUrl("notifications:failed", ("get",), shows_citizens=True),
    PageUrl("notifications:call_list", ("get",), shows_citizens=True),
    PageUrl("cluster:follow_ups", ("get",), shows_citizens=True),
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
    # questionnaires: the citizen's page is public by design; builder and tracking hold no
    # citizen data (their negative tests: tests/questionnaires/test_builder.py, test_tracking.py)
    "public_questionnaire:answer": "the citizen's one-time link, no login by design "
    "(login_not_required): a 192-bit token stored hashed, expiry, single use; unknown token → "
    "the ordinary 404, guessing throttled (429); first name only, no CPR "
    "(tests/questionnaires/test_public.py)",
    "public_questionnaire:save": "saves one answer behind the same one-time token as "
    "public_questionnaire:answer (tests/questionnaires/test_public.py)",
    **{
        f"questionnaires:{name}": "questionnaire builder, reference data without citizens: "
        "ADMINISTER only (others 403), anonymous → login, another municipality's → 404, 405, a "
        "published version refuses changes (tests/questionnaires/test_builder.py)"
        for name in (
            "list",
            "detail",
            "copy",
            "active",
            "version_intro",
            "question_new",
            "version_publish",
            "version_new_draft",
            "version_preview",
            "question_edit",
            "question_delete",
            "question_move",
        )
    },
    "questionnaires:tracking": "response counts only, no citizen: VIEW_AGGREGATES (home-care "
    "worker → 403), anonymous → login, 405, own municipality only "
    "(tests/questionnaires/test_tracking.py)",
    "homecare:figures": "aggregates only, no citizen; anonymous → login, 405, no key figures "
    "(provider staff) → 403, only the user's municipality (tests/homecare/test_figures.py)",
    "api_token_revoke": "revokes one of the user's own tokens; another's is 404 "
    "(tests/api/test_auth.py)",
    "scheduling:feed_revoke": "stops the user's own calendar-feed address; POST only, no "
    "calendar role → 403 (tests/scheduling/test_ical_feed.py)",
    "scheduling:feed_ics": "the private calendar-feed address, no login by design "
    "(login_not_required): a 256-bit token stored hashed, unknown/revoked → 404, guessing "
    "throttled (429), no citizen named, every fetch audited (tests/scheduling/test_ical_feed.py)",
    "api_index": "/api/: links to the versions, their schema and docs; no data "
    "(tests/api/test_hygiene.py)",
    "api_docs": "/api/docs: a redirect to the docs page, which needs a login "
    "(tests/api/test_hygiene.py)",
    "api_not_found": "every other path under /api/: the API's JSON 404 (tests/api/test_hygiene.py)",
    "cluster:overview": "aggregates of the cluster's municipalities, no person; anonymous → "
    "login, 405, no key figures → 403 (tests/cluster/test_views.py)",
    "cluster:import_template": "a fixed example file, no data; needs the import right "
    "(tests/cluster/test_views.py)",
    "monitoring:evaluation": "aggregates only (effect, interval, n), never a citizen; anonymous → "
    "login, 405, no key figures → 403, only the user's municipality "
    "(tests/monitoring/test_evaluation_views.py)",
    "monitoring:dashboard": "key figures only, never a citizen, no audit row; anonymous → login, "
    "405, no key figures (home-care worker) → 403, only the user's municipality "
    "(tests/monitoring/test_dashboard.py)",
    "monitoring:kpis_xlsx": "the dashboard's figures as Excel, no citizen; audited as an export "
    "(tests/monitoring/test_drilldown.py)",
}
EXEMPT_NAMESPACES: dict[str, str] = {
    "admin": "Django's admin: its own login and is_staff/permission checks",
    "api": "the JSON API answers 401/403/404/422 in JSON instead of login redirects; "
    "tests/api/test_endpoints.py runs the same negative tests on every operation and fails "
    "when the OpenAPI schema has an operation its matrix lacks; test_fuzz.py fuzzes them all",
    "fhir": "the FHIR endpoint answers OperationOutcomes (401/403/404) instead of login "
    "redirects; tests/fhir/test_access.py runs the negative tests on every registered resource "
    "type (anonymous, no reach, another municipality, another sender, wrong method)",
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
    # A class and its sessions belong to the municipality, not to one citizen: same municipality
    # and a care role see them (naming only the citizens in scope); others → 404.
    **{
        f"programmes:{name}": "tests/programmes/test_access.py"
        for name in (
            "class_detail",
            "enrol",
            "class_complete",
            "session_attendance",
            "all_present",
            "session_move",
            "session_cancel",
        )
    },
    # Cluster data: the import (analysts, coordinators), follow-up rows (registering roles; rows
    # without a citizen link have no citizen to scope by) and the audit (also managers, who see
    # no names): anonymous, wrong roles, other municipality, guessed ids in the module named.
    **{
        f"cluster:{name}": "tests/cluster/test_access.py"
        for name in ("import", "follow_up_update", "audit", "audit_draw", "audit_case")
    },
    # GET forms that need the edit right (a read-only role gets 403, not 200)
    "measures:record_form": "tests/measures/test_access.py",
    "measures:skip_form": "tests/measures/test_access.py",
    # The assessor's and coordinator's steps: the assessor (read-only in the matrix) writes them.
    **{
        f"homecare:{name}": "tests/homecare/test_access.py"
        for name in (
            "application_create",
            "assessment_save",
            "grant_save",
            "provider_choice",
            "start_meeting",
        )
    },
    # The pathways behind a key figure: named for related citizens only, pseudonymised for
    # managers/analysts, nothing of another municipality; the reports and the shared dataset.
    "monitoring:list": "tests/monitoring/test_drilldown.py",
    "monitoring:list_xlsx": "tests/monitoring/test_drilldown.py",
    **{
        f"monitoring:{name}": "tests/monitoring/test_reports.py (another municipality's → 404)"
        for name in ("reports", "report", "report_status", "report_download")
    },
    "monitoring:dataset": "tests/monitoring/test_dataset.py (EXPORT only; key by POST)",
    # Bulk import: a job (its preview names citizens) is its uploader's own. Anonymous, roles
    # without the import right (403), another user's or municipality's job (404), wrong method.
    **{
        f"imports:{name}": "tests/imports/test_access.py"
        for name in ("index", "job", "job_status", "commit", "discard", "template")
    },
    # "Download as Excel" of the list pages: the page's own selection, its access rule and its
    # masking; anonymous, wrong method, roles without the right, another municipality's rows.
    **{
        name: "tests/core/test_list_exports.py"
        for name in (
            "referrals:inbox_xlsx",
            "scheduling:day_xlsx",
            "programmes:class_list_xlsx",
            "programmes:class_participants_xlsx",
            "homecare:index_xlsx",
            "homecare:driving_list_xlsx",
            "notifications:failed_xlsx",
            "notifications:call_list_xlsx",
            "questionnaires:tracking_xlsx",
            "cluster:follow_ups_xlsx",
            "cluster:audit_xlsx",
        )
    },
}

COVERED_NAMES: frozenset[str] = (
    frozenset(u.name for u in CITIZEN_URLS)
    | frozenset(p.name for p in PAGE_URLS)
    | frozenset(TESTED_ELSEWHERE)
)
