"""The same negative tests on every FHIR resource type the registry serves."""

from __future__ import annotations

import pytest

from forlob.core.tokens import api_token_create
from forlob.fhir import registry
from tests.fhir.conftest import FhirClient

pytestmark = pytest.mark.django_db

TYPES = sorted(registry.types())


def _client(user) -> FhirClient:
    return FhirClient(api_token_create(user=user, name="t", days=1).secret)


@pytest.mark.parametrize("name", TYPES)
def test_anonymous_gets_401_everywhere(name: str) -> None:
    anonymous = FhirClient(None)
    assert anonymous.get(name).status_code == 401
    assert anonymous.get(f"{name}/1").status_code == 401


@pytest.mark.parametrize("name", TYPES)
def test_a_role_without_reach_gets_403_or_nothing(name: str, manager, case) -> None:
    """A manager sees key figures, never a citizen: the type is refused, or the search empty
    (types without citizen data, such as the Questionnaire definitions, may be open)."""
    rt = registry.get(name)
    response = _client(manager).get(name)
    if rt.citizen is None:
        assert response.status_code in {200, 403}
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("name", TYPES)
def test_another_municipality_sees_nothing_of_ours(name: str, outsider, case) -> None:
    rt = registry.get(name)
    if rt.citizen is None:
        pytest.skip("no citizen data")
    client = _client(outsider)
    response = client.get(name)
    if response.status_code == 403:
        return  # the type is closed to the role altogether
    assert response.status_code == 200
    assert response.json()["total"] == 0
    for part in rt.sources():
        for obj in part.queryset()[:5]:
            assert client.get(f"{name}/{part.resource_id(obj)}").status_code == 404


@pytest.mark.parametrize("name", TYPES)
def test_only_referrals_can_be_written(name: str, therapist) -> None:
    client = _client(therapist)
    response = client.post(name, {"resourceType": name})
    if name == "ServiceRequest":
        assert response.status_code in {400, 422}
    else:
        assert response.status_code == 405
    assert client.client.put(f"/fhir/{name}/1").status_code == 405
