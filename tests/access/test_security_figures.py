"""Security figures: coverage of the policy, leaks across providers and municipalities, audit.

Three actors (STYLE.md): a municipal therapist, staff of private provider A (delivers the
citizen's pathway) and staff of private provider B, who must see nothing of A's; plus a therapist
of another municipality. The figures are printed at the end of the run (tests/figures.py):

* citizen-data URL patterns covered by the policy / all of them
* cross-provider and cross-municipality attempts: leaked / tried (must be 0), through the pages,
  the JSON API and the FHIR endpoint
* audit entries written / reads performed (must be equal)
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from forlob.access.models import AccessLog
from forlob.core.choices import Role
from forlob.core.models import Provider
from forlob.core.tokens import api_token_create
from forlob.fhir import registry as fhir_registry
from forlob.pathways.models import Pathway
from tests import figures
from tests.access.test_access import send, state
from tests.access.url_matrix import (
    CITIZEN_URLS,
    COVERED_NAMES,
    EXEMPT_NAMES,
    EXEMPT_NAMESPACES,
    PAGE_URLS,
)
from tests.api.conftest import ApiClient
from tests.api.test_endpoints import LIST_OPS as API_LIST_OPS
from tests.api.test_endpoints import OPS as API_OPS
from tests.factories import UserFactory
from tests.fhir.conftest import FhirClient
from tests.helpers import TODAY
from tests.test_urls import all_patterns

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def actors(case, therapist, outsider, org_a):
    """The case's pathway is delivered by provider A; B is a competitor in the same town."""
    provider_a = Provider.objects.create(
        municipality=org_a.municipality, name="Privat A", kind=Provider.Kind.PRIVATE
    )
    provider_b = Provider.objects.create(
        municipality=org_a.municipality, name="Privat B", kind=Provider.Kind.PRIVATE
    )
    Pathway.objects.filter(pk=case.pathway.pk).update(provider=provider_a)
    return {
        "therapist": therapist,
        "provider_a": UserFactory(
            municipality=org_a.municipality, provider=provider_a, roles=[Role.PROVIDER_STAFF]
        ),
        "provider_b": UserFactory(
            municipality=org_a.municipality, provider=provider_b, roles=[Role.PROVIDER_STAFF]
        ),
        "outsider": outsider,
    }


def traces(case) -> list[str]:
    """What would show that a response leaked the case's citizen."""
    c = case.citizen
    return [c.full_name, c.last_name, c.cpr_masked, c.cpr, c.cpr[:6]]


def test_every_api_operation_is_covered_by_the_policy_tests(client_for):
    schema = client_for(None).get("/api/v1/openapi.json").json()
    in_schema = {
        f"{method.upper()} {path.removeprefix('/api/v1')}"
        for path, operations in schema["paths"].items()
        for method in operations
    }
    covered = {re.sub(r"/(decline|cancel)$", "/{action}", op.id) for op in API_OPS}
    covered |= API_LIST_OPS
    figures.record(
        "API operations covered by the policy tests", len(in_schema & covered), len(in_schema)
    )
    assert in_schema <= covered


def test_every_citizen_data_url_is_covered_by_the_policy():
    routes = [
        ":".join((*ns, name)) if name else route
        for ns, name, route in all_patterns()
        if not (ns and ns[0] in EXEMPT_NAMESPACES)
    ]
    citizen_data = [r for r in routes if r not in EXEMPT_NAMES]
    covered = [r for r in citizen_data if r in COVERED_NAMES]
    figures.record(
        "citizen-data URL patterns covered by the policy", len(covered), len(citizen_data)
    )
    assert covered == citizen_data


@pytest.mark.parametrize(
    ("who", "figure"),
    [
        ("provider_b", "cross-provider attempts leaked"),
        ("outsider", "cross-municipality attempts leaked"),
    ],
)
def test_nothing_leaks_across_providers_or_municipalities(client_for, case, actors, who, figure):
    client = client_for(actors[who])
    leaks: list[str] = []
    tried = 0
    for url in CITIZEN_URLS:
        before_state = state(case)
        last = AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
        response = send(client, url, case)
        tried += 1
        body = response.content.decode()
        denied = AccessLog.objects.filter(pk__gt=last, outcome=AccessLog.Outcome.DENIED).exists()
        if (
            response.status_code != 404
            or any(t in body for t in traces(case))
            or state(case) != before_state
            or not denied
        ):
            leaks.append(f"{url.id}: {response.status_code}")
    for page in PAGE_URLS:
        for path in (page.url(),):
            tried += 1
            response = client.get(path)
            body = response.content.decode()
            if response.status_code == 200 and any(t in body for t in traces(case)):
                leaks.append(f"{page.id}: shows the citizen")
    day = client.get(
        reverse("scheduling:day"),
        {"staff": case.appointment.staff_id, "date": case.appointment.start.date().isoformat()},
    )
    tried += 1
    if any(t in day.content.decode() for t in traces(case)):
        leaks.append("scheduling:day of the therapist: shows the citizen")
    search = client.post(reverse("citizens:search"), {"query": case.citizen.cpr})
    tried += 1
    # The form shows back the number the user typed; nothing else of the citizen may appear.
    shown = search.content.decode().replace(case.citizen.cpr, "")
    if any(t in shown for t in traces(case)[:3]):
        leaks.append("citizens:search by CPR: shows the citizen")
    api = ApiClient(api_token_create(user=actors[who], name="probe", days=1).secret)
    for op in API_OPS:
        before_state = state(case)
        response = api.call(op.method, op.path(case), op.body(case) if op.writes else None)
        tried += 1
        if (
            response.status_code != 404
            or any(t in response.content.decode() for t in traces(case))
            or state(case) != before_state
        ):
            leaks.append(f"API {op.id}: {response.status_code}")
    for method, path, body in (
        ("get", "/referrals", None),
        ("post", "/citizens/search", {"query": case.citizen.cpr}),
    ):
        response = api.call(method, path, body)
        tried += 1
        if any(t in response.content.decode() for t in traces(case)[:3]):
            leaks.append(f"API {method.upper()} {path}: shows the citizen")
    # FHIR: every type searched, and every resource of the case's citizen read by id.
    fhir = FhirClient(api_token_create(user=actors[who], name="probe", days=1).secret)
    for name, resource_type in fhir_registry.types().items():
        tried += 1
        response = fhir.get(name, {"_count": 100})
        if any(t in response.content.decode() for t in traces(case)):
            leaks.append(f"FHIR {name} search: shows the citizen")
        for part in resource_type.sources():
            if part.citizen is None:
                continue
            lookup = f"{part.citizen}__pk" if part.citizen else "pk"
            for obj in part.queryset().filter(**{lookup: case.citizen.pk}):
                tried += 1
                response = fhir.get(f"{name}/{part.resource_id(obj)}")
                if response.status_code not in {403, 404}:
                    leaks.append(f"FHIR {name}/{part.resource_id(obj)}: {response.status_code}")
    figures.record(figure, len(leaks), tried)
    assert leaks == []


def test_provider_a_sees_its_citizen_and_provider_b_only_its_own_nothing(client_for, case, actors):
    """The positive side of the three actors: the citizen is in A's scope and not in B's.

    A sees the citizen through the plan's pages (tests/homecare); the whole record (citizen and
    pathway pages) is not for provider staff, so A gets 403 "not yours to open", B gets 404
    "not there", like a missing id."""
    a = client_for(actors["provider_a"])
    assert a.get(reverse("citizens:detail", args=[case.citizen.pk])).status_code == 403
    assert a.get(reverse("pathways:detail", args=[case.pathway.pk])).status_code == 403
    b = client_for(actors["provider_b"])
    assert b.get(reverse("citizens:detail", args=[case.citizen.pk])).status_code == 404
    assert b.get(reverse("pathways:detail", args=[case.pathway.pk])).status_code == 404


def test_every_read_writes_one_audit_entry(client_for, case, actors):
    """Reads performed (each citizen shown by each request) = allowed read entries written."""
    client = client_for(actors["therapist"])
    before = AccessLog.objects.count()
    performed = 0
    for url in CITIZEN_URLS:
        if url.method == "get":
            assert send(client, url, case).status_code == 200
            performed += 1
    inbox = client.get(reverse("referrals:inbox"))
    performed += len(inbox.context["rows"])
    day = client.get(reverse("scheduling:day"), {"date": TODAY.isoformat()})
    performed += sum(1 for a in day.context["appointments"] if a.citizen_visible)
    tomorrow = client.get(
        reverse("scheduling:day"), {"date": case.appointment.start.date().isoformat()}
    )
    performed += sum(1 for a in tomorrow.context["appointments"] if a.citizen_visible)
    found = client.post(reverse("citizens:search"), {"query": case.citizen.cpr})
    performed += len(found.context["results"])

    reads = AccessLog.objects.order_by("id")[before:]
    written = [
        r for r in reads if r.kind == AccessLog.Kind.READ and r.outcome == AccessLog.Outcome.ALLOWED
    ]
    figures.record("audit entries written for reads performed", len(written), performed)
    # The three record pages, the pending referral in the inbox, tomorrow's appointment in the
    # day list, and the search hit.
    assert performed == sum(1 for u in CITIZEN_URLS if u.method == "get") + 3
    assert len(written) == performed
    assert {r.citizen_id for r in written} == {case.citizen.pk}
