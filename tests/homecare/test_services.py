"""The flow's services: each step's rules, the pathway states they cause, and their audit rows."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from forlob.access.models import AccessLog
from forlob.citizens.models import Citizen
from forlob.homecare import services
from forlob.homecare.models import (
    Assessment,
    Goal,
    Grant,
    HomecareSettings,
    Outcome,
    Performer,
    RehabCase,
    ServiceLine,
    Stage,
    Visit,
    WeeklyEvaluation,
)
from forlob.homecare.services import Line
from forlob.pathways.models import Pathway, PathwayStatus
from forlob.referrals.models import Referral
from tests.factories import CitizenFactory, make_cpr
from tests.helpers import TODAY, counts, tr
from tests.homecare.support import build_case, criterion, service

pytestmark = pytest.mark.usefixtures("frozen")


def errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


# --- 1. application -------------------------------------------------------------------------------


def test_application_registers_citizen_referral_pathway_and_case(assessor):
    cpr = make_cpr(TODAY.replace(year=1938), 321)
    case = services.application_register(
        actor=assessor,
        cpr=cpr,
        first_name="Inge",
        last_name="Ibsen",
        kind="practical_help",
        received_on=TODAY,
        is_existing_homecare=False,
        today=TODAY,
    )
    citizen = Citizen.objects.get(cpr=cpr)
    assert case.citizen == citizen
    assert case.pathway.referral.referral_type.code == "everyday_rehab"
    assert case.pathway.referral.status == Referral.Status.ACCEPTED  # not left in the inbox
    assert case.pathway.status == PathwayStatus.REFERRED
    assert case.pathway.team is None and case.pathway.responsible is None
    assert case.weekly_minutes_before == 0  # new to home care: nothing before
    assert case.stage == Stage.ASSESSMENT
    ops = set(AccessLog.objects.filter(citizen=citizen).values_list("operation", flat=True))
    assert {"referral_register", "pathway_create", "homecare_application_register"} <= ops


def test_application_for_a_new_citizen_cannot_have_minutes_before(assessor):
    citizen = CitizenFactory(municipality=assessor.municipality)
    before = counts(Referral, Pathway, RehabCase)
    with pytest.raises(ValidationError) as exc:
        services.application_register(
            actor=assessor,
            cpr=citizen.cpr,
            kind="personal_care",
            received_on=TODAY,
            is_existing_homecare=False,
            weekly_minutes_before=60,
            today=TODAY,
        )
    assert errors(exc)["weekly_minutes_before"] == [tr(services.MESSAGE_NEW_CITIZEN_MINUTES)]
    assert counts(Referral, Pathway, RehabCase) == before


def test_existing_home_care_citizen_keeps_unknown_minutes_unknown(assessor):
    citizen = CitizenFactory(municipality=assessor.municipality)
    case = services.application_register(
        actor=assessor,
        cpr=citizen.cpr,
        kind="reassessment",
        received_on=TODAY,
        is_existing_homecare=True,
        today=TODAY,
    )
    assert case.weekly_minutes_before is None


# --- assessment -----------------------------------------------------------------------------------


def test_assessment_without_potential_cancels_the_pathway(assessor):
    case = build_case(assessor=assessor, until="application")
    services.assessment_save(
        actor=assessor,
        case=case,
        assessed_on=TODAY,
        has_potential=False,
        criteria=[criterion("dementia")],
        notes="Demens, moderat.",
        shadow_lines=[Line(service(), 90)],
        today=TODAY,
    )
    case.refresh_from_db()
    assert case.stage == Stage.NOT_GRANTED
    assert case.pathway.status == PathwayStatus.CANCELLED
    assert not case.service_lines.exists()  # no shadow: the help is the real help, not shadow
    with pytest.raises(ValidationError):
        services.grant_save(actor=assessor, case=case, start=TODAY, package=1, today=TODAY)


def test_no_potential_needs_an_exclusion_criterion(assessor):
    case = build_case(assessor=assessor, until="application")
    with pytest.raises(ValidationError) as exc:
        services.assessment_save(
            actor=assessor,
            case=case,
            assessed_on=TODAY,
            has_potential=False,
            criteria=[criterion("motivated")],  # an inclusion criterion is no reason
            today=TODAY,
        )
    assert errors(exc)["criteria"] == [tr(services.MESSAGE_EXCLUSION_NEEDED)]
    assert not Assessment.objects.exists()


def test_other_criterion_needs_its_description(assessor):
    case = build_case(assessor=assessor, until="application")
    with pytest.raises(ValidationError) as exc:
        services.assessment_save(
            actor=assessor,
            case=case,
            assessed_on=TODAY,
            has_potential=False,
            criteria=[criterion("other")],
            today=TODAY,
        )
    assert "criteria_text" in errors(exc)
    services.assessment_save(
        actor=assessor,
        case=case,
        assessed_on=TODAY,
        has_potential=False,
        criteria=[criterion("other")],
        criteria_text="Flytter på plejehjem",
        today=TODAY,
    )
    assert case.assessment.criteria_text == "Flytter på plejehjem"


def test_potential_needs_a_shadow_assessment_and_valid_fsiii_levels(assessor):
    case = build_case(assessor=assessor, until="application")
    with pytest.raises(ValidationError) as exc:
        services.assessment_save(
            actor=assessor,
            case=case,
            assessed_on=TODAY + timedelta(days=1),
            has_potential=True,
            fsiii_levels={"J1.1": 5, "X9.9": 1},
            today=TODAY,
        )
    e = errors(exc)
    assert e["shadow"] == [tr(services.MESSAGE_SHADOW_NEEDED)]
    assert e["assessed_on"] == [tr(services.MESSAGE_FUTURE)]
    assert "fsiii_J1.1" in e and "fsiii_X9.9" in e


def test_same_service_twice_in_the_shadow_assessment_is_refused(assessor):
    case = build_case(assessor=assessor, until="application")
    with pytest.raises(ValidationError) as exc:
        services.assessment_save(
            actor=assessor,
            case=case,
            assessed_on=TODAY,
            has_potential=True,
            shadow_lines=[Line(service(), 60), Line(service(), 30)],
            today=TODAY,
        )
    assert errors(exc)["shadow"] == [tr(services.MESSAGE_SERVICE_TWICE)]


def test_assessment_is_locked_once_granted(assessor):
    case = build_case(assessor=assessor, until="granted")
    with pytest.raises(ValidationError) as exc:
        services.assessment_save(
            actor=assessor,
            case=case,
            assessed_on=TODAY,
            has_potential=True,
            shadow_lines=[Line(service(), 10)],
            today=TODAY,
        )
    assert exc.value.messages == [tr(services.MESSAGE_ASSESSMENT_LOCKED)]
    assert case.service_lines.get().weekly_minutes == 120


# --- 2. grant -------------------------------------------------------------------------------------


def test_grant_defaults_to_the_municipality_weeks_and_keeps_its_decision_date(assessor):
    HomecareSettings.objects.create(
        municipality=assessor.municipality, default_weeks=10, max_weeks=12
    )
    case = build_case(assessor=assessor, until="assessed")
    grant = services.grant_save(actor=assessor, case=case, start=TODAY, package=2, today=TODAY)
    assert grant.end == TODAY + timedelta(weeks=10) - timedelta(days=1)
    assert grant.decided_on == TODAY
    later = TODAY + timedelta(days=3)
    changed = services.grant_save(
        actor=assessor,
        case=case,
        start=TODAY,
        end=TODAY + timedelta(weeks=6),
        time_model=Grant.TimeModel.EXTRA_MINUTES,
        extra_minutes_per_visit=15,
        package=3,
        today=later,
    )
    assert changed.pk == grant.pk
    assert changed.decided_on == TODAY  # the decision date stays: the start-meeting clock
    assert changed.package is None and changed.extra_minutes_per_visit == 15
    assert list(
        AccessLog.objects.filter(operation__startswith="homecare_grant").values_list(
            "operation", flat=True
        )
    ) == ["homecare_grant_change", "homecare_grant_save"]


def test_grant_limits_and_time_model_are_checked(assessor):
    case = build_case(assessor=assessor, until="assessed")
    with pytest.raises(ValidationError) as exc:
        services.grant_save(
            actor=assessor,
            case=case,
            start=TODAY,
            end=TODAY + timedelta(weeks=13),
            package=2,
            today=TODAY,
        )
    assert "end" in errors(exc)
    with pytest.raises(ValidationError) as exc:
        services.grant_save(actor=assessor, case=case, start=TODAY, package=None, today=TODAY)
    assert errors(exc)["package"] == [tr(services.MESSAGE_PACKAGE_NEEDED)]
    with pytest.raises(ValidationError) as exc:
        services.grant_save(
            actor=assessor,
            case=case,
            start=TODAY,
            time_model=Grant.TimeModel.EXTRA_MINUTES,
            extra_minutes_per_visit=0,
            today=TODAY,
        )
    assert "extra_minutes_per_visit" in errors(exc)
    with pytest.raises(ValidationError) as exc:
        services.grant_save(
            actor=assessor, case=case, start=TODAY - timedelta(days=1), package=1, today=TODAY
        )
    assert errors(exc)["start"] == [tr(services.MESSAGE_START_BEFORE_APPLICATION)]
    assert not Grant.objects.exists()


# --- 3. provider choice ---------------------------------------------------------------------------


def test_provider_choice_sets_the_pathway_provider(assessor, private):
    case = build_case(assessor=assessor, until="provider", provider=private)
    case.refresh_from_db()
    assert case.provider == private and case.provider_chosen_on == TODAY
    assert case.pathway.provider == private
    assert case.stage == Stage.START_MEETING


def test_provider_must_be_one_of_the_municipality(assessor, org_b):
    from tests.homecare.support import provider

    elsewhere = provider(org_b.municipality, "Fremmed Pleje")
    case = build_case(assessor=assessor, until="granted")
    with pytest.raises(ValidationError) as exc:
        services.provider_choose(
            actor=assessor, case=case, provider=elsewhere, chosen_on=TODAY, today=TODAY
        )
    assert errors(exc)["provider"] == [tr(services.MESSAGE_PROVIDER_ELSEWHERE)]


def test_changing_provider_cancels_the_old_providers_future_visits(
    active_case, assessor, other_private
):
    planned = Visit.objects.filter(case=active_case, status=Visit.Status.PLANNED).count()
    assert planned > 0
    services.provider_choose(
        actor=assessor, case=active_case, provider=other_private, chosen_on=TODAY, today=TODAY
    )
    assert not Visit.objects.filter(case=active_case, status=Visit.Status.PLANNED).exists()
    active_case.refresh_from_db()
    assert active_case.pathway.provider == other_private
    assert active_case.provider_choices.count() == 2


# --- 4. start meeting -----------------------------------------------------------------------------


def test_start_meeting_books_then_activates_the_pathway(
    assessor, therapist, private, provider_staff
):
    case = build_case(
        assessor=assessor,
        professional=therapist,
        provider=private,
        contact_person=provider_staff,
        until="meeting",
    )
    case.refresh_from_db()
    meeting = case.start_meeting
    assert case.pathway.status == PathwayStatus.BOOKED
    assert case.pathway.responsible == therapist and case.pathway.team == therapist.team
    assert meeting.deadline == TODAY + timedelta(days=5) and meeting.within_deadline
    services.start_meeting_save(
        actor=therapist,
        case=case,
        date_=TODAY,
        professional=therapist,
        contact_person=provider_staff,
        held=True,
        today=TODAY,
    )
    case.refresh_from_db()
    assert case.pathway.status == PathwayStatus.ACTIVE
    assert case.stage == Stage.ACTIVE


def test_a_late_start_meeting_is_kept_but_flagged(assessor, therapist, private, provider_staff):
    case = build_case(assessor=assessor, provider=private, until="provider")
    meeting = services.start_meeting_save(
        actor=therapist,
        case=case,
        date_=TODAY + timedelta(days=6),
        professional=therapist,
        contact_person=provider_staff,
        today=TODAY,
    )
    assert not meeting.within_deadline


def test_start_meeting_rules(assessor, therapist, nurse, private, provider_staff, other_staff):
    case = build_case(assessor=assessor, provider=private, until="provider")
    with pytest.raises(ValidationError) as exc:
        services.start_meeting_save(
            actor=therapist,
            case=case,
            date_=TODAY + timedelta(days=1),
            professional=nurse,  # the grant says therapist
            contact_person=other_staff,  # works for another provider
            held=True,  # tomorrow cannot have been held
            today=TODAY,
        )
    e = errors(exc)
    assert set(e) == {"professional", "contact_person", "held"}
    assert e["contact_person"] == [tr(services.MESSAGE_CONTACT_PERSON)]
    case.pathway.refresh_from_db()
    assert case.pathway.status == PathwayStatus.REFERRED


def test_nurse_responsible_when_the_assessor_decides_so(assessor, nurse, private, provider_staff):
    case = build_case(assessor=assessor, until="assessed")
    services.grant_save(
        actor=assessor,
        case=case,
        start=TODAY,
        package=1,
        responsible_profession="nurse",
        today=TODAY,
    )
    services.provider_choose(
        actor=assessor, case=case, provider=private, chosen_on=TODAY, today=TODAY
    )
    meeting = services.start_meeting_save(
        actor=nurse,
        case=case,
        date_=TODAY,
        professional=nurse,
        contact_person=provider_staff,
        held=True,
        today=TODAY,
    )
    assert meeting.professional == nurse


# --- 5. plan, weekly evaluations ---------------------------------------------------------------


def test_goal_needs_fsiii_unless_copm(active_case, therapist):
    with pytest.raises(ValidationError) as exc:
        services.goal_add(actor=therapist, case=active_case, kind=Goal.Kind.FREE, title="Gå ud")
    assert errors(exc)["fsiii_item"] == [tr(services.MESSAGE_FSIII_NEEDED)]
    goal = services.goal_add(
        actor=therapist,
        case=active_case,
        kind=Goal.Kind.FREE,
        title="Gå ud",
        fsiii_item="J3.8",
        sub_goals=["  ", "Til hoveddøren"],
    )
    assert [s.text for s in goal.sub_goals.all()] == ["Til hoveddøren"]
    assert goal.ordering == 2


def test_weekly_evaluation_one_per_goal_and_week(active_case, provider_staff):
    goal = active_case.goals.get()
    first, created = services.weekly_evaluation_record(
        actor=provider_staff,
        case=active_case,
        goal=goal,
        progress=2,
        text="Lidt bedre",
        today=TODAY,
    )
    assert created
    again, created = services.weekly_evaluation_record(
        actor=provider_staff,
        case=active_case,
        goal=goal,
        progress=3,
        text="Klart bedre",
        today=TODAY + timedelta(days=2),  # Wednesday, same week
    )
    assert not created and again.pk == first.pk and again.progress == 3
    services.weekly_evaluation_record(
        actor=provider_staff,
        case=active_case,
        goal=goal,
        progress=4,
        text="",
        today=TODAY + timedelta(days=7),
    )
    assert WeeklyEvaluation.objects.filter(goal=goal).count() == 2


def test_no_weekly_evaluation_before_the_start_meeting(
    assessor, therapist, private, provider_staff
):
    case = build_case(
        assessor=assessor,
        professional=therapist,
        provider=private,
        contact_person=provider_staff,
        until="meeting",
    )
    goal = services.goal_add(actor=therapist, case=case, kind="copm", title="Lave kaffe")
    with pytest.raises(ValidationError) as exc:
        services.weekly_evaluation_record(
            actor=provider_staff, case=case, goal=goal, progress=2, text="", today=TODAY
        )
    assert exc.value.messages == [tr(services.MESSAGE_NOT_STARTED)]


def test_goal_with_evaluations_cannot_be_removed(active_case, therapist, provider_staff):
    goal = active_case.goals.get()
    services.weekly_evaluation_record(
        actor=provider_staff, case=active_case, goal=goal, progress=1, text="", today=TODAY
    )
    with pytest.raises(ValidationError):
        services.goal_remove(actor=therapist, case=active_case, goal=goal)
    assert Goal.objects.filter(pk=goal.pk).exists()


# --- visits ---------------------------------------------------------------------------------------


def test_visits_follow_the_plan_and_the_grant(active_case):
    grant = active_case.grant
    visits = list(active_case.visits.order_by("date", "planned_time"))
    # 3 a week (Mon, Wed, Fri) for the 8 weeks from today: 24 visits.
    assert len(visits) == 24
    assert {v.date.weekday() for v in visits} == {0, 2, 4}
    assert visits[0].date == TODAY and visits[-1].date <= grant.end
    assert all(v.is_rehab and v.provider == active_case.provider for v in visits)
    assert all(v.staff == active_case.start_meeting.contact_person for v in visits)
    # Package 2 = 10 extra minutes per visit; the first carries the 30-minute start allowance.
    assert visits[0].extra_minutes == 40
    assert {v.extra_minutes for v in visits[1:]} == {10}
    action = active_case.actions.get()
    assert all(list(v.actions.all()) == [action] for v in visits)


def test_actions_are_spread_over_the_weeks_visits(active_case, therapist):
    services.action_add(
        actor=therapist,
        case=active_case,
        what="Gåtur til postkassen",
        who=Performer.PROVIDER_STAFF,
        times_per_week=5,
    )
    services.action_add(
        actor=therapist,
        case=active_case,
        what="Øvelser selv",
        who=Performer.CITIZEN,
        times_per_week=7,
    )
    services.visits_generate(actor=therapist, case=active_case, today=TODAY)
    first_week = Visit.objects.filter(
        case=active_case, status=Visit.Status.PLANNED, date__lt=TODAY + timedelta(days=7)
    )
    assert first_week.count() == 5  # the most frequent home-care action decides
    per_action = Counter(
        a.what for v in first_week.prefetch_related("actions") for a in v.actions.all()
    )
    assert per_action == {"Gåtur til postkassen": 5, "Træne bad med støtte ved siden af": 3}


def test_regenerating_keeps_completed_visits_and_replaces_planned_ones(active_case, provider_staff):
    first = active_case.visits.order_by("date").first()
    services.visit_complete(actor=provider_staff, visit=first, today=TODAY)
    before = Visit.objects.filter(case=active_case).count()
    services.visits_generate(actor=provider_staff, case=active_case, today=TODAY)
    assert Visit.objects.filter(case=active_case).count() == before
    assert Visit.objects.get(pk=first.pk).status == Visit.Status.COMPLETED
    # the start allowance went with the first visit and is not given twice
    assert not Visit.objects.filter(case=active_case, extra_minutes=40).exclude(pk=first.pk)


def test_a_future_visit_cannot_be_completed(active_case, provider_staff):
    later = active_case.visits.order_by("-date").first()
    with pytest.raises(ValidationError):
        services.visit_complete(actor=provider_staff, visit=later, today=TODAY)


def test_no_visits_without_actions_for_home_care_staff(active_case, therapist):
    active_case.actions.update(who=Performer.RELATIVE)
    with pytest.raises(ValidationError) as exc:
        services.visits_generate(actor=therapist, case=active_case, today=TODAY)
    assert exc.value.messages == [tr(services.MESSAGE_NO_HOMECARE_ACTIONS)]


# --- 6. end ---------------------------------------------------------------------------------------


def test_end_with_less_help_completes_the_pathway(active_case, therapist):
    services.end_save(
        actor=therapist,
        case=active_case,
        date_=TODAY,
        outcome=Outcome.LESS_HELP,
        after_lines=[Line(service("Rengøring"), 30)],
        today=TODAY,
    )
    active_case.refresh_from_db()
    assert active_case.stage == Stage.ENDED and active_case.ended_on == TODAY
    assert active_case.pathway.status == PathwayStatus.COMPLETED
    assert not active_case.visits.filter(status=Visit.Status.PLANNED).exists()
    assert active_case.service_lines.get(purpose=ServiceLine.Purpose.AFTER).weekly_minutes == 30


def test_end_outcome_rules(active_case, therapist):
    cases = [
        (Outcome.SELF_RELIANT, {"after_lines": [Line(service(), 10)]}, "after"),
        (Outcome.SAME_HELP, {}, "after"),
        (Outcome.DROPPED_OUT, {}, "dropout_cause"),
        (Outcome.DROPPED_OUT, {"dropout_cause": "other"}, "dropout_text"),
        ("nonsense", {}, "outcome"),
    ]
    for outcome, extra, field in cases:
        with pytest.raises(ValidationError) as exc:
            services.end_save(
                actor=therapist,
                case=active_case,
                date_=TODAY,
                outcome=outcome,
                today=TODAY,
                **extra,
            )
        assert field in errors(exc), (outcome, extra)
    active_case.refresh_from_db()
    assert active_case.stage == Stage.ACTIVE


def test_dropout_before_start_records_the_reason_on_the_pathway(assessor, therapist, private):
    case = build_case(assessor=assessor, provider=private, until="provider")
    services.end_save(
        actor=therapist,
        case=case,
        date_=TODAY,
        outcome=Outcome.DROPPED_OUT,
        dropout_cause="hospital_admission",
        today=TODAY,
    )
    case.refresh_from_db()
    assert case.pathway.status == PathwayStatus.DROPPED_OUT
    assert case.pathway.dropout_reason.code == "event_ends_pathway"
    assert case.dropout_cause == "hospital_admission"


def test_completing_needs_the_start_meeting_held(assessor, therapist, private):
    case = build_case(assessor=assessor, provider=private, until="provider")
    with pytest.raises(ValidationError) as exc:
        services.end_save(
            actor=therapist, case=case, date_=TODAY, outcome=Outcome.SELF_RELIANT, today=TODAY
        )
    assert errors(exc)["outcome"] == [tr(services.MESSAGE_NOT_STARTED)]


def test_an_ended_case_takes_no_more_steps(active_case, therapist, assessor, private):
    services.end_save(
        actor=therapist, case=active_case, date_=TODAY, outcome=Outcome.SELF_RELIANT, today=TODAY
    )
    for call in (
        lambda: services.goal_add(actor=therapist, case=active_case, kind="copm", title="x"),
        lambda: services.provider_choose(
            actor=assessor, case=active_case, provider=private, chosen_on=TODAY, today=TODAY
        ),
        lambda: services.midway_save(
            actor=therapist, case=active_case, date_=TODAY, text="x", today=TODAY
        ),
        lambda: services.visits_generate(actor=therapist, case=active_case, today=TODAY),
    ):
        with pytest.raises(ValidationError) as exc:
            call()
        assert exc.value.messages == [tr(services.MESSAGE_CASE_CLOSED)]


def test_every_step_is_audited_for_the_citizen(active_case):
    ops = Counter(
        AccessLog.objects.filter(citizen=active_case.citizen, kind="write").values_list(
            "operation", flat=True
        )
    )
    for op in (
        "homecare_application_register",
        "homecare_assessment_save",
        "homecare_grant_save",
        "homecare_provider_choose",
        "homecare_start_meeting_save",
        "homecare_goal_add",
        "homecare_action_add",
        "homecare_visits_generate",
    ):
        assert ops[op] == 1, op
