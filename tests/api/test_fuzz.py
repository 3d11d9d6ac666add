"""Schemathesis against the OpenAPI schema: no request a client can send gives a server error.

For every operation, Hypothesis generates valid and invalid requests from the schema (random
ids, dates at the ends of the calendar, NUL characters, wrong types, missing fields) and sends
them in-process (WSGI) with the token of a therapist who has a citizen in scope. Each case is
sent twice when the path has an id: once as generated (almost always "not there") and once
with the id of the therapist's real referral, citizen, pathway or appointment, so the fuzzed
bodies and query strings reach the services too.

Besides "no 5xx", every answer must be one the schema declares, with the declared content type
and a body that matches its schema. The figures are printed at the end of the run
(tests/figures.py), e.g.

    API fuzzing: 5xx answers / requests sent           0 / 1425
    API fuzzing: operations fuzzed / in the schema    12 / 12
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from forlob.core.models import User
from tests import figures
from tests.conftest import Case

# Bounded and repeatable for CI; FORLOB_FUZZ_EXAMPLES=500 FORLOB_FUZZ_RANDOM=1 for a deeper hunt.
EXAMPLES_PER_OPERATION = int(os.environ.get("FORLOB_FUZZ_EXAMPLES", "25"))
DERANDOMIZE = os.environ.get("FORLOB_FUZZ_RANDOM", "") != "1"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

APP = WSGIHandler()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)


FIGURE_REQUESTS = "API fuzzing: 5xx answers / requests sent"
REAL_KPI_CODE = "gop_offer_share"
FIGURE_OPERATIONS = "API fuzzing: operations fuzzed / in the schema"


@dataclass
class World:
    secret: str
    ids: dict[str, int]  # path prefix → the id of a real object in the therapist's scope
    requests: int = 0
    server_errors: int = 0


@pytest.fixture
def in_test_transaction() -> Iterator[None]:
    """Keep the test's database connection open across requests, as Django's test client does.

    A real WSGI request closes connections that are "obsolete" when it ends; inside the test's
    transaction that would close the connection the test is using (PostgreSQL).
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(case: Case, therapist: User, token_for, in_test_transaction: None) -> Iterator[World]:
    """The therapist's token and real ids; after the operation's examples, its figures."""
    world = World(
        secret=token_for(therapist, days=3650),
        ids={
            "/api/v1/referrals/": case.pending.pk,
            "/api/v1/citizens/": case.citizen.pk,
            "/api/v1/pathways/": case.pathway.pk,
            "/api/v1/appointments/": case.appointment.pk,
        },
    )
    yield world
    figures.record(FIGURE_REQUESTS, world.server_errors, world.requests)
    figures.record(FIGURE_OPERATIONS, 1, 0)


def _real_id(world: World, path: str) -> int | None:
    return next((pk for prefix, pk in world.ids.items() if path.startswith(prefix)), None)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=DERANDOMIZE,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
    suppress_health_check=list(HealthCheck),
)
def test_no_request_gives_a_server_error(case, world: World) -> None:
    headers = {"Authorization": f"Bearer {world.secret}"}
    variants = [dict(case.path_parameters or {})]
    real = _real_id(world, case.operation.path)
    if real is not None and case.path_parameters and "id" in case.path_parameters:
        variants.append({**case.path_parameters, "id": real})
    if case.path_parameters and "code" in case.path_parameters:
        variants.append({**case.path_parameters, "code": REAL_KPI_CODE})  # a registered KPI
    for path_parameters in variants:
        case.path_parameters = path_parameters
        response = case.call(headers=headers)
        world.requests += 1
        world.server_errors += response.status_code >= 500
        case.validate_response(response, checks=CHECKS, headers=headers)


def test_the_schema_has_the_operations_we_fuzz() -> None:
    operations = [op for ops in schema.raw_schema["paths"].values() for op in ops]
    figures.record(FIGURE_OPERATIONS, 0, len(operations))
    assert len(operations) == 14
