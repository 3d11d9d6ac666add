"""Every step of the flow through its page, as the people doing it meet it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from forlob.access.models import AccessLog
from forlob.citizens.models import Citizen
from forlob.homecare import services
from forlob.homecare.models import (
    Assessment,
    Goal,
    Grant,
    Outcome,
    PlanAction,
    RehabCase,
    ServiceLine,
    Stage,
    Visit,
    WeeklyEvaluation,
)
from forlob.pathways.models import PathwayStatus
from forlob.referrals.models import Referral
from tests.factories import make_cpr
from tests.helpers import TODAY, counts, flash, form_errors, tr
from tests.homecare.support import build_case, criterion, service

pytestmark = pytest.mark.usefixtures("frozen")


def lines(prefix: str, rows: list[tuple[object, object]], total: int = 3) -> dict[str, object]:
    data: dict[str, object] = {f"{prefix}-TOTAL_FORMS": total, f"{prefix}-INITIAL_FORMS": 0}
    for i in range(total):
        svc, minutes = rows[i] if i < len(rows) else ("", "")
        data[f"{prefix}-{i}-service"] = getattr(svc, "pk", svc)
        data[f"{prefix}-{i}-weekly_minutes"] = minutes
    return data


def assessment_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "assessed_on": TODAY.isoformat(),
        "has_potential": "yes",
        "criteria": [criterion("motivated").pk],
        "criteria_text": "",
        "notes": "Datteren er bekymret.",
        "fsiii_J1_1": "3",
        "fsiii_J3_8": "2",
        **lines("shadow", [(service(), 150), (service("Rengøring"), 30)]),
    }
    body.update(overrides)
    return body


# --- 1. application -------------------------------------------------------------------------------


def application_body(**overrides: object) -> dict[str, object]:
    body = {
        "cpr": make_cpr(TODAY.replace(year=1940), 555),
        "first_name": "Else",
        "last_name": "Eriksen",
        "phone": "",
        "kind": "personal_care",
        "received_on": TODAY.isoformat(),
        "is_existing_homecare": "no",
        "weekly_minutes_before": "",
        "application_text": "Kan ikke komme i bad.",
    }
    body.update(overrides)
    return body


def test_assessor_registers_an_application_and_lands_on_the_assessment(client_for, assessor):
    c = client_for(assessor)
    assert c.get(reverse("homecare:application_create")).status_code == 200
    response = c.post(reverse("homecare:application_create"), application_body())
    case = RehabCase.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("homecare:assessment", args=[case.pk])
    assert case.citizen.full_name == "Else Eriksen"
    assert case.pathway.status == PathwayStatus.REFERRED
    # the CPR number is never in the URL the browser is sent to
    assert case.citizen.cpr not in response["Location"]


def test_bad_application_reshows_what_was_typed_and_saves_nothing(client_for, assessor):
    before = counts(Citizen, Referral, RehabCase)
    response = client_for(assessor).post(
        reverse("homecare:application_create"),
        application_body(cpr="310299-1234", weekly_minutes_before="abc"),
    )
    assert response.status_code == 422
    errors = form_errors(response)
    assert "cpr" in errors and "weekly_minutes_before" in errors
    assert 'value="Eriksen"' in response.content.decode()
    assert counts(Citizen, Referral, RehabCase) == before


def test_new_citizen_with_minutes_before_is_refused_on_the_form(client_for, assessor):
    response = client_for(assessor).post(
        reverse("homecare:application_create"), application_body(weekly_minutes_before="60")
    )
    assert response.status_code == 422
    assert form_errors(response)["weekly_minutes_before"] == [
        tr(services.MESSAGE_NEW_CITIZEN_MINUTES)
    ]
    assert not RehabCase.objects.exists()


def test_only_assessors_register_applications(client_for, therapist, provider_staff):
    for user in (therapist, provider_staff):
        assert client_for(user).get(reverse("homecare:application_create")).status_code == 403


# --- assessment, shadow assessment, grant ---------------------------------------------------------


def test_assessment_with_shadow_then_grant(client_for, assessor):
    case = build_case(assessor=assessor, until="application")
    c = client_for(assessor)
    page = c.get(reverse("homecare:assessment", args=[case.pk]))
    assert page.status_code == 200
    assert 'name="fsiii_J1_1"' in page.content.decode()

    response = c.post(reverse("homecare:assessment_save", args=[case.pk]), assessment_body())
    assert response.status_code == 302
    assert response["Location"].endswith("#grant")
    assessment = Assessment.objects.get(case=case)
    assert assessment.fsiii_levels == {"J1.1": 3, "J3.8": 2}
    assert assessment.has_potential is True
    assert sorted(
        case.service_lines.filter(purpose=ServiceLine.Purpose.SHADOW).values_list(
            "weekly_minutes", flat=True
        )
    ) == [30, 150]

    page = c.get(reverse("homecare:assessment", args=[case.pk]))
    assert page.context["grant_form"] is not None
    response = c.post(
        reverse("homecare:grant_save", args=[case.pk]),
        {
            "start": TODAY.isoformat(),
            "end": "",
            "time_model": "package",
            "package": "3",
            "extra_minutes_per_visit": "",
            "start_allowance_minutes": "45",
            "responsible_profession": "therapist",
        },
    )
    assert response.status_code == 302
    grant = Grant.objects.get(case=case)
    assert (grant.package, grant.start_allowance_minutes) == (3, 45)
    assert grant.end == TODAY + timedelta(weeks=8) - timedelta(days=1)
    assert RehabCase.objects.get(pk=case.pk).stage == Stage.PROVIDER


def test_assessment_errors_show_on_the_form_and_keep_the_shadow_lines(client_for, assessor):
    case = build_case(assessor=assessor, until="application")
    body = assessment_body(has_potential="no", criteria=[])
    body["shadow-2-service"] = service("Indkøb").pk  # minutes missing
    response = client_for(assessor).post(reverse("homecare:assessment_save", args=[case.pk]), body)
    assert response.status_code == 422
    shadow = response.context["shadow"]
    assert shadow.forms[2].errors["weekly_minutes"]
    assert 'value="150"' in response.content.decode()
    assert not Assessment.objects.exists()


def test_no_potential_closes_the_case(client_for, assessor):
    case = build_case(assessor=assessor, until="application")
    response = client_for(assessor).post(
        reverse("homecare:assessment_save", args=[case.pk]),
        assessment_body(has_potential="no", criteria=[criterion("terminal").pk]),
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == Stage.NOT_GRANTED
    assert case.pathway.status == PathwayStatus.CANCELLED


def test_grant_longer_than_allowed_is_refused_with_the_form_kept(client_for, assessor):
    case = build_case(assessor=assessor, until="assessed")
    response = client_for(assessor).post(
        reverse("homecare:grant_save", args=[case.pk]),
        {
            "start": TODAY.isoformat(),
            "end": (TODAY + timedelta(weeks=20)).isoformat(),
            "time_model": "package",
            "package": "2",
            "start_allowance_minutes": "0",
            "responsible_profession": "therapist",
        },
    )
    assert response.status_code == 422
    assert "end" in form_errors(response, "grant_form")
    assert not Grant.objects.exists()


def test_therapist_may_read_the_assessment_but_not_change_it(client_for, assessor, therapist):
    case = build_case(assessor=assessor, until="application")
    c = client_for(therapist)
    page = c.get(reverse("homecare:assessment", args=[case.pk]))
    assert page.status_code == 200
    assert page.context["editable"] is False
    assert (
        c.post(reverse("homecare:assessment_save", args=[case.pk]), assessment_body()).status_code
        == 403
    )
    assert not Assessment.objects.exists()


# --- 3. provider choice, 4. start meeting ---------------------------------------------------------


def test_coordinator_records_provider_choice_and_start_meeting(
    client_for, assessor, coordinator, therapist, private, provider_staff
):
    case = build_case(assessor=assessor, until="granted")
    c = client_for(coordinator)
    page = c.get(reverse("homecare:case", args=[case.pk]))
    assert page.context["provider_form"] is not None
    response = c.post(
        reverse("homecare:provider_choice", args=[case.pk]),
        {"provider": private.pk, "chosen_on": TODAY.isoformat()},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.pathway.provider == private

    page = c.get(reverse("homecare:case", args=[case.pk]))
    form = page.context["meeting_form"]
    assert provider_staff in form.fields["contact_person"].queryset
    assert therapist in form.fields["professional"].queryset
    assert page.context["key_persons"].first().user == provider_staff
    response = c.post(
        reverse("homecare:start_meeting", args=[case.pk]),
        {
            "date": TODAY.isoformat(),
            "professional": therapist.pk,
            "contact_person": provider_staff.pk,
            "citizen_present": "on",
            "relatives": "Søn",
            "held": "on",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == Stage.ACTIVE
    assert case.pathway.status == PathwayStatus.ACTIVE
    assert case.pathway.responsible == therapist


def test_start_meeting_with_wrong_people_is_refused(
    client_for, assessor, therapist, nurse, private, other_staff
):
    case = build_case(assessor=assessor, provider=private, until="provider")
    response = client_for(assessor).post(
        reverse("homecare:start_meeting", args=[case.pk]),
        {"date": TODAY.isoformat(), "professional": nurse.pk, "contact_person": other_staff.pk},
    )
    assert response.status_code == 422
    errors = form_errors(response, "meeting_form")
    assert "professional" in errors and "contact_person" in errors
    assert not hasattr(RehabCase.objects.get(pk=case.pk), "start_meeting")


def test_overdue_start_meeting_is_shown(client_for, assessor, private):
    case = build_case(assessor=assessor, provider=private, until="provider")
    Grant.objects.filter(case=case).update(decided_on=TODAY - timedelta(days=9))
    html = client_for(assessor).get(reverse("homecare:case", args=[case.pk])).content.decode()
    assert "badge alert" in html


# --- 5. plan --------------------------------------------------------------------------------------


def test_therapist_writes_the_plan(client_for, active_case, therapist):
    c = client_for(therapist)
    response = c.post(
        reverse("homecare:goal_add", args=[active_case.pk]),
        {
            "kind": "free",
            "title": "Lave morgenmad selv",
            "fsiii_item": "J2.2",
            "citizen_words": "Jeg vil selv lave min havregrød.",
            "sub_goals": "Stå ved komfuret\nHente mælk i køleskabet",
        },
    )
    assert response.status_code == 302
    goal = Goal.objects.get(title="Lave morgenmad selv")
    assert goal.sub_goals.count() == 2
    response = c.post(
        reverse("homecare:action_add", args=[active_case.pk]),
        {"goal": goal.pk, "what": "Lave grød sammen", "who": "provider_staff", "times_per_week": 2},
    )
    assert response.status_code == 302
    page = c.get(reverse("homecare:plan", args=[active_case.pk]))
    html = page.content.decode()
    assert "Jeg vil selv lave min havregrød." in html
    assert "J2.2" in html and "Lave grød sammen" in html
    # planning the visits from the page
    response = c.post(reverse("homecare:visits_generate", args=[active_case.pk]))
    assert response.status_code == 302
    assert any("24" in m for m in flash(response))


def test_free_goal_without_fsiii_is_refused_on_the_form(client_for, active_case, therapist):
    response = client_for(therapist).post(
        reverse("homecare:goal_add", args=[active_case.pk]), {"kind": "free", "title": "Gå"}
    )
    assert response.status_code == 422
    assert form_errors(response, "goal_form")["fsiii_item"] == [tr(services.MESSAGE_FSIII_NEEDED)]


def test_action_and_goal_removal(client_for, active_case, therapist):
    c = client_for(therapist)
    action = active_case.actions.get()
    c.post(reverse("homecare:action_remove", args=[active_case.pk]), {"action": action.pk})
    assert not PlanAction.objects.filter(pk=action.pk).exists()
    goal = active_case.goals.get()
    c.post(reverse("homecare:goal_remove", args=[active_case.pk]), {"goal": goal.pk})
    assert not Goal.objects.filter(pk=goal.pk).exists()


# --- weekly evaluations ---------------------------------------------------------------------------


def test_provider_staff_records_a_weekly_evaluation(client_for, active_case, provider_staff):
    goal = active_case.goals.get()
    c = client_for(provider_staff)
    page = c.get(reverse("homecare:evaluations", args=[active_case.pk]))
    assert page.status_code == 200
    assert page.context["may_record"]
    response = c.post(
        reverse("homecare:evaluation_add", args=[active_case.pk]),
        {"goal": goal.pk, "progress": "3", "text": "Vaskede overkroppen selv."},
    )
    assert response.status_code == 302
    evaluation = WeeklyEvaluation.objects.get()
    assert (evaluation.goal, evaluation.progress, evaluation.recorded_by) == (
        goal,
        3,
        provider_staff,
    )
    assert evaluation.week == TODAY  # Monday
    page = c.get(reverse("homecare:evaluations", args=[active_case.pk]))
    assert 'data-testid="this-week"' in page.content.decode()


def test_evaluation_without_progress_is_refused_and_kept(client_for, active_case, provider_staff):
    goal = active_case.goals.get()
    response = client_for(provider_staff).post(
        reverse("homecare:evaluation_add", args=[active_case.pk]),
        {"goal": goal.pk, "progress": "", "text": "Træt i dag"},
    )
    assert response.status_code == 422
    assert "Træt i dag" in response.content.decode()
    assert not WeeklyEvaluation.objects.exists()


def test_evaluation_of_another_cases_goal_is_refused(
    client_for, active_case, assessor, therapist, private, provider_staff
):
    other = build_case(
        assessor=assessor, professional=therapist, provider=private, contact_person=provider_staff
    )
    response = client_for(provider_staff).post(
        reverse("homecare:evaluation_add", args=[active_case.pk]),
        {"goal": other.goals.get().pk, "progress": "2"},
    )
    assert response.status_code == 422
    assert not WeeklyEvaluation.objects.exists()


# --- 6. mid-way and end ---------------------------------------------------------------------------


def test_midway_and_end_evaluation(client_for, active_case, therapist):
    c = client_for(therapist)
    response = c.post(
        reverse("homecare:midway_save", args=[active_case.pk]),
        {"date": TODAY.isoformat(), "text": "Klarer overkroppen selv."},
    )
    assert response.status_code == 302
    response = c.post(
        reverse("homecare:end_save", args=[active_case.pk]),
        {
            "date": TODAY.isoformat(),
            "outcome": "less_help",
            "text": "Klarer bad selv, behøver hjælp til rengøring.",
            "dropout_cause": "",
            **lines("after", [(service("Rengøring"), 30)]),
        },
    )
    assert response.status_code == 302
    active_case.refresh_from_db()
    assert active_case.outcome == Outcome.LESS_HELP
    assert active_case.pathway.status == PathwayStatus.COMPLETED
    page = c.get(reverse("homecare:review", args=[active_case.pk]))
    html = page.content.decode()
    assert 'data-testid="end-facts"' in html and "Rengøring: 30" in html
    economics = page.context["economics"]
    assert (economics.shadow, economics.after, economics.saved_per_week) == (120, 30, 90)


def test_end_without_help_afterwards_for_less_help_is_refused(client_for, active_case, therapist):
    response = client_for(therapist).post(
        reverse("homecare:end_save", args=[active_case.pk]),
        {"date": TODAY.isoformat(), "outcome": "less_help", **lines("after", [])},
    )
    assert response.status_code == 422
    assert form_errors(response, "end_form")["__all__"] == [tr(services.MESSAGE_AFTER_NEEDED)]
    assert RehabCase.objects.get(pk=active_case.pk).stage == Stage.ACTIVE


# --- 7. driving list ------------------------------------------------------------------------------


def test_driving_list_shows_todays_rehab_visits_with_actions(
    client_for, active_case, provider_staff
):
    response = client_for(provider_staff).get(reverse("homecare:driving_list"))
    assert response.status_code == 200
    [visit] = response.context["visits"]
    assert visit.case == active_case
    html = response.content.decode()
    assert 'data-testid="rehab-marking"' in html
    assert "Træne bad med støtte ved siden af" in html
    assert "+40" in html  # 10 extra minutes from package 2 + the 30-minute start allowance
    assert 'name="viewport"' in html  # the phone layout
    reads = AccessLog.objects.filter(operation="homecare_driving_list")
    assert [r.citizen_id for r in reads] == [active_case.citizen_id]


def test_driving_list_other_days_and_mine_or_everyone(client_for, active_case, provider_staff):
    c = client_for(provider_staff)
    tuesday = c.get(reverse("homecare:driving_list"), {"date": "2026-06-02"})
    assert tuesday.context["visits"] == []
    wednesday = c.get(reverse("homecare:driving_list"), {"date": "2026-06-03", "scope": "all"})
    assert len(wednesday.context["visits"]) == 1


def test_marking_a_visit_done(client_for, active_case, provider_staff):
    visit = active_case.visits.order_by("date").first()
    response = client_for(provider_staff).post(reverse("homecare:visit_done", args=[visit.pk]))
    assert response.status_code == 302
    assert Visit.objects.get(pk=visit.pk).status == Visit.Status.COMPLETED


# --- panels on the citizen and pathway pages ------------------------------------------------------


def test_panels_show_the_case_with_economics_to_municipal_staff(client_for, active_case, therapist):
    c = client_for(therapist)
    html = c.get(reverse("pathways:detail", args=[active_case.pathway_id])).content.decode()
    assert 'data-testid="homecare-panel"' in html
    assert "120" in html  # the shadow assessment
    html = c.get(reverse("citizens:detail", args=[active_case.citizen_id])).content.decode()
    assert reverse("homecare:case", args=[active_case.pk]) in html


def test_navigation_entries(client_for, provider_staff, manager, therapist):
    html = client_for(provider_staff).get(reverse("homecare:index")).content.decode()
    assert reverse("homecare:driving_list") in html
    assert reverse("homecare:application_create") not in html
    manager_nav = client_for(manager).get(reverse("home")).context["nav_items"]
    assert reverse("homecare:figures") in [i["url"] for i in manager_nav]
    therapist_nav = client_for(therapist).get(reverse("home")).context["nav_items"]
    assert reverse("homecare:index") in [i["url"] for i in therapist_nav]


def test_worklist_groups_cases_by_stage(client_for, assessor, private):
    build_case(assessor=assessor, until="application")
    build_case(assessor=assessor, provider=private, until="provider")
    response = client_for(assessor).get(reverse("homecare:index"))
    groups = {g.stage: len(g.cases) for g in response.context["groups"]}
    assert groups[Stage.ASSESSMENT] == 1 and groups[Stage.START_MEETING] == 1
    assert AccessLog.objects.filter(operation="homecare_worklist").count() == 2
