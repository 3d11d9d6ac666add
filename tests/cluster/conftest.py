from __future__ import annotations

import pytest

from forlob.core.choices import Profession, Role
from forlob.core.models import User
from tests.factories import UserFactory


@pytest.fixture
def analyst(org_a) -> User:
    """Imports hospital events, sees figures, records audits; no citizen records."""
    return UserFactory(
        municipality=org_a.municipality,
        roles=[Role.ANALYST],
        profession=Profession.ADMINISTRATIVE,
        first_name="Anna",
        last_name="Analytiker",
    )


@pytest.fixture
def homecare_worker(org_a) -> User:
    """Views citizens (own provider's), no key figures, registers nothing here."""
    return UserFactory(municipality=org_a.municipality, roles=[Role.HOMECARE_WORKER])


@pytest.fixture
def outsider_analyst(org_b) -> User:
    return UserFactory(municipality=org_b.municipality, roles=[Role.ANALYST])
