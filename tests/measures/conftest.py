"""Fixtures for the measures tests: a pathway of municipality A with its citizen."""

from __future__ import annotations

from datetime import date

import pytest

from forlob.pathways.models import Pathway
from tests.factories import PathwayFactory, make_cpr

# A woman born 2 March 1952: 74 years old on TODAY (1 June 2026), chair-stand band 10–15.
BORN = date(1952, 3, 2)


@pytest.fixture
def pathway(therapist, org_a) -> Pathway:
    """A new GOP pathway of the therapist's team."""
    return PathwayFactory(
        referral__citizen__municipality=org_a.municipality,
        referral__citizen__cpr=make_cpr(BORN, 124, male=False),
        referral__citizen__first_name="Inger",
        referral__citizen__last_name="Mølgaard",
        responsible=therapist,
        team=org_a.team,
    )
