"""The pages: programmes, classes, creating a class, the class page, the attendance screen."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from forlob.core.choices import Profession
from forlob.pathways.models import PathwayStatus
from forlob.programmes import calendar as programme_calendar
from forlob.programmes import services
from forlob.programmes.models import (
    Attendance,
    ClassSession,
    Enrolment,
    EnrolmentStatus,
    IndividualSession,
    ProgrammeClass,
    SessionStaff,
)
from forlob.scheduling.models import Appointment
from tests.factories import AppointmentFactory, dropout_reason
from tests.helpers import at, counts, flash, tr
from tests.programmes.helpers import (
    START,
    concussion_referral,
    enrol_new,
    gain_class,
    gain_staff,
    programme,
)

pytestmark = pytest.mark.usefixtures("frozen")

WEEK7 = START + timedelta(weeks=7)


def class_url(klass):
    return reverse("programmes:class_detail", args=[klass.pk])


def test_the_programmes_page_shows_every_seeded_programme_with_its_plan(client_for, therapist):
    response = client_for(therapist).get(reverse("programmes:programme_list"))
    assert response.status_code == 200
    names = [item["programme"].name for item in response.context["programmes"]]
    assert names == [
        "KOL-hold",
        "Kræftrehabilitering",
        "Hjerte",
        "Diabetes",
        "Lænderyg",
        "GAIN hjernerystelse",
    ]
    gain = response.context["programmes"][-1]
    assert (gain["group_sessions"], gain["talks"]) == (3, 5)
    html = response.content.decode()
    assert reverse("programmes:class_create") + f"?programme={programme('gain').pk}" in html


def test_the_navigation_links_to_classes_for_care_roles_only(client_for, therapist, manager):
    link = reverse("programmes:class_list")
    assert link in [i["url"] for i in client_for(therapist).get("/").context["nav_items"]]
    assert link not in [i["url"] for i in client_for(manager).get("/").context["nav_items"]]


def test_class_list_shows_own_classes_with_places_and_flags(
    client_for, org_a, org_b, therapist, outsider
):
    klass = gain_class(org_a, therapist, capacity=4)
    enrol_new(klass, therapist, org_a, 2)
    theirs = gain_class(org_b, outsider, start_date=START + timedelta(days=1))
    response = client_for(therapist).get(reverse("programmes:class_list"))
    assert list(response.context["classes"]) == [klass]
    assert response.context["classes"][0].taken == 2
    html = response.content.decode()
    assert "2/4" in html
    assert theirs.name not in html
    completed = client_for(therapist).get(reverse("programmes:class_list"), {"status": "completed"})
    assert list(completed.context["classes"]) == []


# --- creating a class -----------------------------------------------------------------------------


def _form(org, staff, **overrides):
    data = {
        "programme": programme("gain").pk,
        "location": org.location.pk,
        "start_date": START.isoformat(),
        "start_time": "10:00",
        "capacity": "",
        "staff": [s.pk for s in staff],
        "team": "",
        "name": "",
    }
    data.update(overrides)
    return data


def test_creating_a_class_from_the_form(client_for, org_a, therapist):
    staff = gain_staff(org_a)
    c = client_for(therapist)
    page = c.get(reverse("programmes:class_create"), {"programme": programme("gain").pk})
    assert page.status_code == 200
    assert page.context["form"].initial["programme"] == programme("gain").pk
    response = c.post(reverse("programmes:class_create"), _form(org_a, staff))
    klass = ProgrammeClass.objects.get()
    assert response.status_code == 302
    assert response["Location"] == class_url(klass)
    assert klass.sessions.count() == 3
    assert klass.capacity == 8  # the programme's default
    assert klass.name == f"GAIN hjernerystelse {START:%d.%m.%Y}"


def test_a_clash_reshows_the_form_with_what_was_typed_and_saves_nothing(
    client_for, org_a, therapist
):
    staff = gain_staff(org_a)
    AppointmentFactory(
        staff=staff[0],
        location=org_a.location,
        start=at(START, 9, 30),
        end=at(START, 10, 30),
        pathway__referral__citizen__municipality=org_a.municipality,
    )
    before = counts(ProgrammeClass, ClassSession, SessionStaff)
    response = client_for(therapist).post(
        reverse("programmes:class_create"), _form(org_a, staff, name="GAIN forår")
    )
    assert response.status_code == 422
    assert counts(ProgrammeClass, ClassSession, SessionStaff) == before
    form = response.context["form"]
    expected = tr(programme_calendar.MESSAGE_CLASH_APPOINTMENT) % {
        "staff": str(staff[0]),
        "number": 1,
        "when": programme_calendar.when(at(START, 9, 30), at(START, 10, 30)),
    }
    assert form.non_field_errors() == [expected]
    html = response.content.decode()
    assert expected in html
    assert 'value="GAIN forår"' in html


def test_an_incomplete_form_names_the_fields(client_for, org_a, therapist):
    response = client_for(therapist).post(
        reverse("programmes:class_create"), _form(org_a, [], start_date="")
    )
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"staff", "start_date"}


def test_a_therapist_may_not_create_classes_for_another_municipalitys_location(
    client_for, org_a, org_b, therapist
):
    response = client_for(therapist).post(
        reverse("programmes:class_create"),
        _form(org_a, gain_staff(org_a), location=org_b.location.pk),
    )
    assert response.status_code == 422
    assert "location" in response.context["form"].errors
    assert ProgrammeClass.objects.count() == 0


def test_the_read_only_role_may_not_create_a_class(client_for, assessor):
    assert client_for(assessor).get(reverse("programmes:class_create")).status_code == 403


# --- the class page -------------------------------------------------------------------------------


def test_class_page_shows_sessions_citizens_and_the_waiting_list(client_for, org_a, therapist):
    klass = gain_class(org_a, therapist)
    [enrolled] = enrol_new(klass, therapist, org_a)
    waiting = concussion_referral(org_a)
    response = client_for(therapist).get(class_url(klass))
    assert response.status_code == 200
    assert len(response.context["sessions"]) == 3
    assert [r["enrolment"] for r in response.context["rows"]] == [enrolled]
    assert response.context["waiting"] == [waiting]
    html = response.content.decode()
    assert enrolled.citizen.full_name in html and waiting.citizen.full_name in html
    assert enrolled.citizen.cpr not in html  # masked outside the citizen page
    # The next individual session: free times of the lead in the session's weeks.
    row = response.context["rows"][0]
    assert row["next_talk"].number == 1
    assert row["suggestions"]
    assert all(s.staff == klass.lead for s in row["suggestions"])
    assert row["suggestions"][0].start >= at(START + timedelta(days=7), 0)
    assert "individuel samtale 1" in html  # "Book individual session 1" (lower-cased title)


def test_enrolling_from_the_waiting_list(client_for, org_a, therapist):
    klass = gain_class(org_a, therapist)
    waiting = concussion_referral(org_a)
    response = client_for(therapist).post(
        reverse("programmes:enrol", args=[klass.pk]), {"referral": waiting.pk}
    )
    assert response.status_code == 302
    enrolment = Enrolment.objects.get()
    assert enrolment.citizen == waiting.citizen
    assert enrolment.pathway.status == PathwayStatus.BOOKED
    page = client_for(therapist).get(class_url(klass))
    assert page.context["waiting"] == []


def test_a_full_class_disables_enrolment_and_says_why(client_for, org_a, therapist):
    klass = gain_class(org_a, therapist, capacity=1)
    enrol_new(klass, therapist, org_a)
    waiting = concussion_referral(org_a)
    c = client_for(therapist)
    page = c.get(class_url(klass))
    assert page.context["full"]
    html = page.content.decode()
    assert "disabled" in html
    response = c.post(reverse("programmes:enrol", args=[klass.pk]), {"referral": waiting.pk})
    assert flash(response) == [tr(services.MESSAGE_CLASS_FULL) % {"taken": 1, "capacity": 1}]
    assert Enrolment.objects.count() == 1


def test_booking_an_individual_session_by_suggestion(client_for, org_a, therapist):
    klass = gain_class(org_a, therapist)
    [enrolment] = enrol_new(klass, therapist, org_a)
    c = client_for(therapist)
    slot = c.get(class_url(klass)).context["rows"][0]["suggestions"][0]
    response = c.post(
        reverse("programmes:book_talk", args=[enrolment.pk]),
        {
            "staff": slot.staff.pk,
            "date": slot.start.date().isoformat(),
            "time": f"{slot.start:%H:%M}",
            "mode": "video",
            "number": 1,
        },
    )
    assert response.status_code == 302
    talk = IndividualSession.objects.get()
    assert (talk.number, talk.mode, talk.appointment.start) == (1, "video", slot.start)
    assert c.get(class_url(klass)).context["rows"][0]["next_talk"].number == 2


def test_a_refused_individual_booking_reshows_the_form(client_for, org_a, therapist):
    klass = gain_class(org_a, therapist)
    [enrolment] = enrol_new(klass, therapist, org_a)
    response = client_for(therapist).post(
        reverse("programmes:book_talk", args=[enrolment.pk]),
        {"staff": klass.lead.pk, "date": START.isoformat(), "time": "10:30", "mode": "phone"},
    )
    assert response.status_code == 422
    assert Appointment.objects.count() == 0
    row = response.context["rows"][0]
    assert row["talk_form"].errors
    assert row["talk_form"]["time"].value() == "10:30"


def test_dropping_out_from_the_class_page(client_for, org_a, therapist):
    klass = gain_class(org_a, therapist)
    [enrolment] = enrol_new(klass, therapist, org_a)
    reason = dropout_reason("opt_out_transport_cost")
    response = client_for(therapist).post(
        reverse("programmes:drop_out", args=[enrolment.pk]), {"reason": reason.pk, "note": ""}
    )
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.DROPPED_OUT
    assert enrolment.pathway.status == PathwayStatus.DROPPED_OUT
    refused = client_for(therapist).post(reverse("programmes:drop_out", args=[enrolment.pk]), {})
    assert flash(refused) == [tr("Choose a dropout reason.")]


# --- the attendance screen ------------------------------------------------------------------------


def test_attendance_screen_one_click_per_citizen_with_htmx(client_for, org_a, therapist):
    klass = gain_class(org_a, therapist)
    a, b = enrol_new(klass, therapist, org_a, 2)
    session = klass.sessions.get(number=1)
    with time_machine.travel(at(START, 10, 15), tick=False):
        c = client_for(therapist)  # logged in now: the session idles out otherwise
        page = c.get(reverse("programmes:session_attendance", args=[session.pk]))
        assert page.status_code == 200
        assert page.context["unregistered"] == 2
        html = page.content.decode()
        assert html.count('data-testid="attendance-row"') == 2
        url = reverse("programmes:attendance_set", args=[a.pk])
        assert f'hx-post="{url}"' in html
        response = c.post(
            url, {"session": session.pk, "status": "present"}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200
        row = response.content.decode()
        assert row.startswith(f'<tr id="e{a.pk}"')
        assert 'data-mark="present"' in row
        assert row.count('aria-pressed="true"') == 1
        # Without JavaScript the same button is a form that comes back to the screen.
        plain = c.post(
            reverse("programmes:attendance_set", args=[b.pk]),
            {"session": session.pk, "status": "absent"},
        )
        assert plain.status_code == 302
        assert plain["Location"].endswith(f"#e{b.pk}")
    assert dict(Attendance.objects.values_list("enrolment_id", "status")) == {
        a.pk: "present",
        b.pk: "absent",
    }
    a.pathway.refresh_from_db()
    assert a.pathway.status == PathwayStatus.ACTIVE


def test_presence_before_the_session_shows_the_error_in_the_row(client_for, org_a, therapist):
    klass = gain_class(org_a, therapist)
    [a] = enrol_new(klass, therapist, org_a)
    session = klass.sessions.get(number=1)
    response = client_for(therapist).post(
        reverse("programmes:attendance_set", args=[a.pk]),
        {"session": session.pk, "status": "present"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert tr(services.MESSAGE_NOT_STARTED) in response.content.decode()
    assert Attendance.objects.count() == 0


def test_a_session_of_another_class_is_refused(client_for, org_a, therapist):
    klass = gain_class(org_a, therapist)
    [a] = enrol_new(klass, therapist, org_a)
    other = gain_class(org_a, therapist, gain_staff(org_a), start_date=START + timedelta(days=1))
    response = client_for(therapist).post(
        reverse("programmes:attendance_set", args=[a.pk]),
        {"session": other.sessions.first().pk, "status": "cancelled"},
    )
    assert response.status_code == 302
    assert Attendance.objects.count() == 0
    assert flash(response)


def test_everyone_not_registered_was_present(client_for, org_a, therapist):
    klass = gain_class(org_a, therapist)
    a, b, cancelled = enrol_new(klass, therapist, org_a, 3)
    session = klass.sessions.get(number=1)
    services.attendance_set(
        actor=therapist, session=session, enrolment=cancelled, status="cancelled"
    )
    with time_machine.travel(at(START, 10, 15), tick=False):
        response = client_for(therapist).post(reverse("programmes:all_present", args=[session.pk]))
    assert response.status_code == 302
    assert dict(Attendance.objects.values_list("enrolment_id", "status")) == {
        a.pk: "present",
        b.pk: "present",
        cancelled.pk: "cancelled",
    }


def test_the_flag_shows_on_the_class_page_and_the_citizen_page(client_for, org_a, therapist):
    klass = gain_class(org_a, therapist)
    [a] = enrol_new(klass, therapist, org_a)
    for number in (1, 2):
        services.attendance_set(
            actor=therapist,
            session=klass.sessions.get(number=number),
            enrolment=a,
            status="absent",
            now=at(WEEK7, 9),
        )
    with time_machine.travel(at(WEEK7, 9), tick=False):
        c = client_for(therapist)
        page = c.get(class_url(klass))
        assert page.context["rows"][0]["progress"].flagged
        assert 'data-testid="flag"' in page.content.decode()
        citizen_page = c.get(reverse("citizens:detail", args=[a.citizen_id]))
    html = citizen_page.content.decode()
    assert 'data-testid="programmes-panel"' in html
    assert klass.name in html
    assert 'data-testid="flag"' in html


# --- the end of the class -------------------------------------------------------------------------


def test_completing_the_class_from_its_page(client_for, org_a, therapist):
    klass = gain_class(org_a, therapist)
    a, b = enrol_new(klass, therapist, org_a, 2)
    for session in klass.sessions.all():
        for e in (a, b):
            services.attendance_set(
                actor=therapist, session=session, enrolment=e, status="present", now=at(WEEK7, 13)
            )
    with time_machine.travel(at(WEEK7, 13), tick=False):
        c = client_for(therapist)
        page = c.get(class_url(klass))
        assert [r["progress"].meets_rule for r in page.context["completion_rows"]] == [
            False,
            False,
        ]  # 3 of 8: the talks were never held
        refused = c.post(reverse("programmes:class_complete", args=[klass.pk]), {})
        assert refused.status_code == 422
        assert set(refused.context["complete_form"].errors) == {f"reason_{a.pk}", f"reason_{b.pk}"}
        reason = dropout_reason("no_contact_or_no_show")
        done = c.post(
            reverse("programmes:class_complete", args=[klass.pk]),
            {f"reason_{a.pk}": reason.pk, f"reason_{b.pk}": reason.pk},
        )
    assert done.status_code == 302
    klass.refresh_from_db()
    assert klass.status == "completed"
    assert set(klass.enrolments.values_list("status", flat=True)) == {"dropped_out"}


def test_moving_a_session_with_a_clash_reshows_its_form(client_for, org_a, therapist):
    staff = gain_staff(org_a)
    klass = gain_class(org_a, therapist, staff)
    session = klass.sessions.get(number=2)
    tuesday = session.start.date() + timedelta(days=1)
    AppointmentFactory(
        staff=staff[2],
        location=org_a.location,
        start=at(tuesday, 13),
        end=at(tuesday, 14),
        pathway__referral__citizen__municipality=org_a.municipality,
    )
    response = client_for(therapist).post(
        reverse("programmes:session_move", args=[session.pk]),
        {"date": tuesday.isoformat(), "time": "12:30"},
    )
    assert response.status_code == 422
    [moved] = [s for s in response.context["sessions"] if s.pk == session.pk]
    assert str(staff[2]) in " ".join(moved.move_form.non_field_errors())
    session.refresh_from_db()
    assert session.start == at(START + timedelta(weeks=3), 10)


def test_the_lead_profession_is_named_in_the_class_page(client_for, org_a, therapist):
    klass = gain_class(org_a, therapist)
    html = client_for(therapist).get(class_url(klass)).content.decode()
    assert klass.lead.get_full_name() in html
    assert klass.lead.profession == Profession.NEUROPSYCHOLOGIST
