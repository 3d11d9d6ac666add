"""Everyday rehabilitation: two private providers and the municipality's own home care.

* ``private`` (Privat Pleje A/S) with ``provider_staff`` (provider staff, the contact person);
* ``other_private`` (Hjemmehjælpen ApS) with ``other_staff``: must never see ``private``'s;
* ``municipal`` (Hjemmeplejen Nord, the municipality's own) with ``homecare_worker``.
"""

from __future__ import annotations

import pytest

from forlob.core.choices import Profession, Role
from forlob.core.models import Provider, User
from forlob.homecare.models import CareGroup, ProviderKeyPerson, RehabCase
from tests.factories import UserFactory
from tests.homecare.support import build_case, provider, provider_user


@pytest.fixture
def private(org_a) -> Provider:
    return provider(org_a.municipality, "Privat Pleje A/S")


@pytest.fixture
def other_private(org_a) -> Provider:
    return provider(org_a.municipality, "Hjemmehjælpen ApS")


@pytest.fixture
def municipal(org_a) -> Provider:
    return provider(org_a.municipality, "Hjemmeplejen Nord", Provider.Kind.MUNICIPAL)


@pytest.fixture
def private_group(private) -> CareGroup:
    return CareGroup.objects.create(provider=private, name="Gruppe Øst")


@pytest.fixture
def provider_staff(private, private_group) -> User:
    user = provider_user(private, first_name="Pia", last_name="Privat", group=private_group)
    ProviderKeyPerson.objects.create(provider=private, user=user)
    return user


@pytest.fixture
def other_staff(other_private) -> User:
    return provider_user(other_private, first_name="Otto", last_name="Anden")


@pytest.fixture
def homecare_worker(municipal) -> User:
    return provider_user(
        municipal, role=Role.HOMECARE_WORKER, first_name="Hanne", last_name="Hjemmepleje"
    )


@pytest.fixture
def coordinator(org_a) -> User:
    return UserFactory(
        municipality=org_a.municipality,
        team=org_a.team,
        roles=[Role.COORDINATOR],
        profession=Profession.NURSE,
        first_name="Kirsten",
        last_name="Koordinator",
    )


@pytest.fixture
def nurse(org_a) -> User:
    return UserFactory(
        municipality=org_a.municipality,
        team=org_a.team,
        roles=[Role.NURSE],
        profession=Profession.NURSE,
        first_name="Susanne",
        last_name="Sygeplejerske",
    )


@pytest.fixture
def active_case(frozen, assessor, therapist, private, provider_staff) -> RehabCase:
    """An active course: private provider chosen, start meeting held today, one goal, visits."""
    return build_case(
        assessor=assessor,
        professional=therapist,
        provider=private,
        contact_person=provider_staff,
    )
