"""``forlob import``: the same check and import on the command line, non-zero on any error."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from forlob.access.models import AccessLog
from forlob.core.models import User
from forlob.referrals.models import Referral
from tests.imports.conftest import csv_bytes, xlsx_bytes
from tests.imports.test_referrals import CPR_A, gop
from tests.imports.test_referrals import HEADER as REFERRAL_HEADER
from tests.imports.test_staff import HEADER, KIRSTEN, TOVE


def run(*args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_import_staff_into_a_municipality(org_a, tmp_path):
    path = tmp_path / "personale.csv"
    path.write_bytes(csv_bytes([HEADER, TOVE, KIRSTEN]))
    out, _err = run("staff", str(path), municipality="730")
    assert "Importeret fra personale.csv til Randers Kommune: 2 " in out
    assert User.objects.filter(username__in=["tove.t", "kirsten.k"]).count() == 2
    out, _err = run("staff", str(path), municipality="0730")  # again: nothing new
    assert ": 2 " in out and User.objects.filter(municipality=org_a.municipality).count() == 2


def test_a_bad_file_exits_non_zero_and_writes_nothing(org_a, tmp_path):
    path = tmp_path / "personale.xlsx"
    path.write_bytes(xlsx_bytes([HEADER, TOVE, [*KIRSTEN[:4], "kok", *KIRSTEN[5:]]]))
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"Intet importeret: 1 fejl i personale\.xlsx"):
        call_command("import", "staff", str(path), municipality="730", stderr=err)
    assert "3" in err.getvalue() and "roller" in err.getvalue()
    assert not User.objects.filter(username="tove.t").exists()


def test_dry_run_only_checks(org_a, tmp_path):
    path = tmp_path / "personale.csv"
    path.write_bytes(csv_bytes([HEADER, TOVE]))
    out, _err = run("staff", str(path), municipality="730", dry_run=True)
    assert "Intet gemt (--dry-run)" in out
    assert not User.objects.filter(username="tove.t").exists()


def test_referrals_recorded_under_a_user_and_errors_without_the_cpr(coordinator, tmp_path):
    path = tmp_path / "henvisninger.csv"
    path.write_bytes(csv_bytes([REFERRAL_HEADER, gop(), gop(eid="E-2", cpr="3113401234")]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", "referrals", str(path), user=coordinator.username, stderr=err)
    assert "3113401234" not in err.getvalue() and "311340" not in err.getvalue()
    assert not Referral.objects.exists()
    path.write_bytes(csv_bytes([REFERRAL_HEADER, gop()]))
    run("referrals", str(path), user=coordinator.username)
    referral = Referral.objects.get()
    assert referral.created_by == coordinator and referral.citizen.cpr == CPR_A
    assert AccessLog.objects.filter(operation="import_referrals", actor=coordinator).exists()


def test_arguments_that_make_no_sense(org_a, tmp_path):
    with pytest.raises(CommandError, match="findes ikke"):
        run("staff", str(tmp_path / "nope.csv"), municipality="730")
    path = tmp_path / "x.csv"
    path.write_bytes(csv_bytes([HEADER, TOVE]))
    with pytest.raises(CommandError, match="ukendt kommunekode"):
        run("staff", str(path), municipality="999")
    with pytest.raises(CommandError, match="--municipality"):
        run("staff", str(path))


def test_the_command_is_called_import_on_the_command_line():
    """``import`` is a Python keyword but a fine module name for Django's command loader."""
    done = subprocess.run(
        [sys.executable, "-m", "forlob.cli", "import", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "{referrals,staff,calendars}" in done.stdout and "--dry-run" in done.stdout
