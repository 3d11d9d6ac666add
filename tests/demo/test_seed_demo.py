"""``forlob seed-demo``: what `make run` prints, --if-empty, same seed and day, same data."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from forlob.citizens.models import Citizen
from forlob.core.models import Municipality, User
from forlob.demo.generator import DEMO_LOGINS, PASSWORD, generate
from forlob.referrals.models import Referral
from forlob.scheduling.models import Absence, Appointment

TODAY = "2026-03-16"
TINY = "0.03"

pytestmark = pytest.mark.django_db


def seed_demo(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def assert_logins_table(output: str) -> None:
    assert PASSWORD in output
    lines = output.splitlines()
    for login in DEMO_LOGINS:
        assert any(
            line.split()[:3] == [login.username, login.role, PASSWORD]
            for line in lines
            if line.strip()
        )


def test_seed_demo_prints_a_summary_and_the_logins() -> None:
    output = seed_demo("--scale", TINY, "--today", TODAY, "--seed", "3")
    assert "Randers Kommune generated" in output
    assert "history ending 2026-03-16" in output
    assert_logins_table(output)
    assert Citizen.objects.exists()


def test_if_empty_leaves_a_database_with_data_alone_but_still_prints_the_logins() -> None:
    Municipality.objects.create(name="Favrskov Kommune", code="710")
    output = seed_demo("--if-empty")
    assert "already has data" in output
    assert_logins_table(output)
    assert not Citizen.objects.exists()


def test_seeding_twice_is_refused_with_a_clear_message() -> None:
    seed_demo("--scale", TINY, "--today", TODAY)
    with pytest.raises(CommandError, match="--if-empty"):
        seed_demo("--scale", TINY, "--today", TODAY)
    assert "already has data" in seed_demo("--if-empty", "--scale", TINY)


def test_a_taken_demo_username_stops_the_seed_instead_of_renaming_it() -> None:
    User.objects.create_user(username="admin", password=None)
    with pytest.raises(CommandError, match="'admin' already exists"):
        seed_demo("--if-empty", "--scale", TINY, "--today", TODAY)
    assert not Municipality.objects.exists()  # one transaction: nothing half-made


def test_scale_out_of_range_is_refused() -> None:
    with pytest.raises(CommandError, match="scale"):
        seed_demo("--scale", "0")


def _fingerprint() -> tuple[list[tuple[object, ...]], ...]:
    return (
        list(
            Citizen.objects.order_by("cpr").values_list(
                "cpr", "first_name", "last_name", "address", "postal_code", "created_at"
            )
        ),
        list(
            Referral.objects.order_by("created_at", "citizen__cpr").values_list(
                "citizen__cpr",
                "referral_type__code",
                "received_date",
                "discharge_date",
                "gop_level",
                "status",
                "external_id",
                "created_at",
            )
        ),
        list(
            Appointment.objects.order_by("staff__username", "start").values_list(
                "staff__username", "citizen__cpr", "start", "end", "status", "is_first"
            )
        ),
        list(
            Absence.objects.order_by("staff__username", "start_date").values_list(
                "staff__username", "start_date", "end_date", "kind"
            )
        ),
    )


def _run(seed: int) -> tuple[list[tuple[object, ...]], ...]:
    with transaction.atomic():
        generate(seed=seed, today=date(2026, 3, 16), scale=0.03)
        fingerprint = _fingerprint()
        transaction.set_rollback(True)
    return fingerprint


def test_same_seed_and_day_give_the_same_demo() -> None:
    first = _run(5)
    assert first == _run(5)
    assert first != _run(6)
