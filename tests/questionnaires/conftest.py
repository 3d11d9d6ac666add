"""Fixtures for the questionnaire tests: the shipped questionnaires, an administrator, a fake
message queue, and helpers that answer a questionnaire the way a citizen would."""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.core.cache import cache

from forlob.core.choices import Profession, Role
from forlob.core.models import User
from forlob.questionnaires import shipped
from forlob.questionnaires.models import Questionnaire
from forlob.questionnaires.services import NewInvitation, invitation_create
from tests.factories import UserFactory
from tests.questionnaires.support import seed_shipped


@pytest.fixture(autouse=True)
def _fresh_guess_counter() -> Iterator[None]:
    """The link-guessing counter lives in the cache: start and end every test without it."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def satisfaction(db: None) -> Questionnaire:
    return seed_shipped()[shipped.SATISFACTION_CODE]


@pytest.fixture
def literacy(db: None) -> Questionnaire:
    return seed_shipped()[shipped.HEALTH_LITERACY_CODE]


@pytest.fixture
def admin_a(org_a) -> User:
    return UserFactory(
        municipality=org_a.municipality,
        roles=[Role.ADMIN],
        profession=Profession.ADMINISTRATIVE,
        first_name="Anna",
        last_name="Admin",
    )


@pytest.fixture
def admin_b(org_b) -> User:
    return UserFactory(
        municipality=org_b.municipality, roles=[Role.ADMIN], profession=Profession.ADMINISTRATIVE
    )


@dataclass
class Sent:
    citizen_id: int
    channel: str
    body: str
    subject: str
    purpose: str
    related_key: str


@pytest.fixture
def outbox(monkeypatch: pytest.MonkeyPatch) -> list[Sent]:
    """Messages handed to ``forlob.notifications.services.message_queue`` (faked: the
    notifications app is tested on its own; here only what we hand over matters)."""
    sent: list[Sent] = []

    def message_queue(
        *, citizen, channel, body, subject="", purpose, related_key=""
    ) -> None:  # the agreed interface
        sent.append(Sent(citizen.pk, channel, body, subject, purpose, related_key))

    try:
        module = importlib.import_module("forlob.notifications.services")
    except ImportError:
        module = types.ModuleType("forlob.notifications.services")
        monkeypatch.setitem(sys.modules, "forlob.notifications.services", module)
    monkeypatch.setattr(module, "message_queue", message_queue, raising=False)
    return sent


@pytest.fixture
def invite(therapist: User, outbox: list[Sent]) -> Callable[..., NewInvitation]:
    """``invite(citizen, questionnaire, channel="link", delivery="handed", **kw)``."""

    def make(citizen, questionnaire, channel="link", delivery="handed", **kwargs) -> NewInvitation:
        kwargs.setdefault("actor", therapist)
        return invitation_create(
            citizen=citizen,
            questionnaire=questionnaire,
            channel=channel,
            delivery=delivery,
            **kwargs,
        )

    return make
