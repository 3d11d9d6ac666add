"""The negative tests for the class-level URLs (TESTED_ELSEWHERE in tests/access/url_matrix.py).

A class and its sessions belong to the municipality: a care role of the same municipality sees
them, naming only the citizens in the user's scope. Everyone else: anonymous → login, another
municipality or a role without citizen records → 404 (the same as a missing id), a read-only role
→ 403 on changes, wrong method → 405, malformed id → 404. Changes about one citizen (enrolling a
referral) go through the access check: a referral outside the user's scope answers 404, logged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse

from forlob.access.models import AccessLog
from forlob.programmes.models import (
    Attendance,
    ClassSession,
    Enrolment,
    ProgrammeClass,
    SessionStatus,
)
from tests.factories import TeamFactory, TherapistFactory
from tests.helpers import at, counts
from tests.programmes.helpers import START, concussion_referral, enrol_new, gain_class

pytestmark = pytest.mark.usefixtures("frozen")


@dataclass(frozen=True)
class World:
    klass: ProgrammeClass
    session: ClassSession
    enrolment: Enrolment
    waiting: object  # a new GAIN referral on the waiting list


@pytest.fixture
def world(org_a, therapist) -> World:
    klass = gain_class(org_a, therapist)
    [enrolment] = enrol_new(klass, therapist, org_a)
    return World(
        klass=klass,
        session=klass.sessions.get(number=2),
        enrolment=enrolment,
        waiting=concussion_referral(org_a),
    )


@dataclass(frozen=True)
class Url:
    name: str
    method: str
    target: str  # "klass" or "session"
    data: Callable[[World], dict[str, object]] = lambda w: {}

    def url(self, w: World, pk: object = None) -> str:
        return reverse(
            f"programmes:{self.name}", args=[getattr(w, self.target).pk if pk is None else pk]
        )

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.name}"


URLS = [
    Url("class_detail", "get", "klass"),
    Url("session_attendance", "get", "session"),
    Url("enrol", "post", "klass", lambda w: {"referral": w.waiting.pk}),
    Url("class_complete", "post", "klass"),
    Url("all_present", "post", "session"),
    Url(
        "session_move",
        "post",
        "session",
        lambda w: {"date": (START + timedelta(days=22)).isoformat(), "time": "13:00"},
    ),
    Url("session_cancel", "post", "session"),
]
GETS = [u for u in URLS if u.method == "get"]
POSTS = [u for u in URLS if u.method == "post"]


def state(w: World) -> tuple:
    return (
        counts(ProgrammeClass, ClassSession, Enrolment, Attendance),
        list(ClassSession.objects.values_list("start", "status").order_by("pk")),
        ProgrammeClass.objects.get(pk=w.klass.pk).status,
    )


def send(client, url: Url, w: World, *, method: str | None = None, path: str | None = None):
    method = method or url.method
    path = path or url.url(w)
    return (
        getattr(client, method)(path, url.data(w))
        if method == "post"
        else getattr(client, method)(path)
    )


@pytest.mark.parametrize("url", URLS, ids=[u.id for u in URLS])
def test_anonymous_is_sent_to_login(client_for, world, url):
    response = send(client_for(None), url, world)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("url", URLS, ids=[u.id for u in URLS])
@pytest.mark.parametrize("who", ["outsider", "manager"])
def test_another_municipality_or_no_care_role_is_404_and_changes_nothing(
    client_for, world, url, who, request
):
    actor = request.getfixturevalue(who)
    before = state(world)
    c = client_for(actor)
    theirs = send(c, url, world)
    missing = send(c, url, world, path=url.url(world, 10**9))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.content == missing.content
    assert state(world) == before
    assert world.enrolment.citizen.last_name not in theirs.content.decode()


@pytest.mark.parametrize("url", GETS, ids=[u.id for u in GETS])
def test_read_only_role_may_read(client_for, world, assessor, url):
    response = send(client_for(assessor), url, world)
    assert response.status_code == 200
    assert world.enrolment.citizen.full_name in response.content.decode()


@pytest.mark.parametrize("url", POSTS, ids=[u.id for u in POSTS])
def test_read_only_role_may_not_change(client_for, world, assessor, url):
    before = state(world)
    assert send(client_for(assessor), url, world).status_code == 403
    assert state(world) == before


@pytest.mark.parametrize("url", URLS, ids=[u.id for u in URLS])
def test_wrong_method_is_405(client_for, world, therapist, url):
    c = client_for(therapist)
    before = state(world)
    for method in ["put", "delete", "patch"] + (["post"] if url.method == "get" else ["get"]):
        assert send(c, url, world, method=method).status_code == 405, method
    assert state(world) == before


@pytest.mark.parametrize("url", URLS, ids=[u.id for u in URLS])
def test_malformed_or_huge_id_is_404(client_for, world, therapist, url):
    c = client_for(therapist)
    placeholder = 987654321
    for bad in ["abc", "-1", "1.5", "%20", "٣", "9" * 30]:
        path = url.url(world, placeholder).replace(str(placeholder), bad)
        assert send(c, url, world, path=path).status_code == 404, bad


def test_a_colleague_sees_the_class_but_not_the_citizens_outside_their_relations(
    client_for, world, org_a
):
    colleague = TherapistFactory(
        municipality=org_a.municipality, team=TeamFactory(unit=org_a.unit, name="Team Hjerne")
    )
    before = AccessLog.objects.count()
    for path in (
        reverse("programmes:class_detail", args=[world.klass.pk]),
        reverse("programmes:session_attendance", args=[world.session.pk]),
    ):
        response = client_for(colleague).get(path)
        assert response.status_code == 200
        html = response.content.decode()
        assert world.enrolment.citizen.last_name not in html
        assert world.waiting.citizen.last_name not in html
        assert response.context["hidden"] == 1
    assert AccessLog.objects.count() == before  # nobody shown, nothing read


def test_every_citizen_shown_on_the_class_page_is_an_audited_read(client_for, world, therapist):
    before = AccessLog.objects.count()
    response = client_for(therapist).get(reverse("programmes:class_detail", args=[world.klass.pk]))
    assert response.status_code == 200
    reads = AccessLog.objects.order_by("id")[before:]
    assert sorted(r.citizen_id for r in reads) == sorted(
        [world.enrolment.citizen_id, world.waiting.citizen_id]
    )
    assert {(r.kind, r.outcome, r.operation) for r in reads} == {
        ("read", "allowed", "class_detail")
    }


def test_enrolling_a_referral_outside_the_scope_is_404_and_logged(
    client_for, world, therapist, org_b
):
    foreign = concussion_referral(org_b)
    before_state = state(world)
    before = AccessLog.objects.count()
    response = client_for(therapist).post(
        reverse("programmes:enrol", args=[world.klass.pk]), {"referral": foreign.pk}
    )
    assert response.status_code == 404
    assert state(world) == before_state
    [log] = AccessLog.objects.order_by("id")[before:]
    assert (log.outcome, log.citizen_id, log.operation) == (
        "denied",
        foreign.citizen_id,
        "class_enrol",
    )


def test_the_allowed_changes_work(client_for, world, therapist):
    c = client_for(therapist)
    response = c.post(
        reverse("programmes:enrol", args=[world.klass.pk]), {"referral": world.waiting.pk}
    )
    assert response.status_code == 302
    assert world.klass.enrolments.count() == 2
    response = c.post(reverse("programmes:session_cancel", args=[world.session.pk]))
    assert response.status_code == 302
    world.session.refresh_from_db()
    assert world.session.status == SessionStatus.CANCELLED
    moved = world.klass.sessions.get(number=3)
    response = c.post(
        reverse("programmes:session_move", args=[moved.pk]),
        {"date": (START + timedelta(days=50)).isoformat(), "time": "13:00"},
    )
    assert response.status_code == 302
    moved.refresh_from_db()
    assert moved.start == at(START + timedelta(days=50), 13)
