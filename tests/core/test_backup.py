"""``forlob backup`` and ``forlob restore``: round trips on the suite's engine, and the refusals.

The suite's own test database is no use here (SQLite's is in memory, and every test runs inside
a transaction), so each test gets databases of its own: SQLite files under ``tmp_path``, or fresh
databases in the throwaway PostgreSQL cluster of ``scripts/with-postgres`` (unique names, so
xdist workers never meet). The commands run as a user runs them, through the ``forlob`` CLI in a
subprocess; data is made and fingerprinted in subprocesses too, by ``drive()`` below, with the
suite's factories and services.

A fingerprint is the row count of every table plus a SHA-256 over the ordered rows of the key
tables (citizens, notes, referrals, pathways and their history, appointments, the access log):
after a restore it must equal the one taken when the backup was made.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from forlob.core.backup import BackupError, file_sha256, pg_tool, redact

VENDOR = connection.vendor  # the suite's engine: sqlite, or postgresql under with-postgres
EXT = {"sqlite": "sqlite3", "postgresql": "dump"}[VENDOR]
only_sqlite = pytest.mark.skipif(VENDOR != "sqlite", reason="SQLite behaviour")
FUTURE_MIGRATION = ("citizens", "9999_from_a_newer_version")


# --- databases of our own -----------------------------------------------------------------------


@dataclass
class Database:
    url: str
    var_dir: Path
    sqlite_path: Path | None = None
    pg_name: str = ""

    @property
    def label(self) -> str:
        return str(self.sqlite_path) if self.sqlite_path else self.pg_name


@dataclass
class Databases:
    """Makes empty databases under ``base`` (SQLite) or in the cluster (PostgreSQL); drops them."""

    base: Path
    made: list[Database] = field(default_factory=list)

    def new(self) -> Database:
        key = uuid.uuid4().hex[:10]
        var_dir = self.base / f"var-{key}"
        if VENDOR == "sqlite":
            path = self.base / f"forlob-{key}.sqlite3"
            db = Database(url=f"sqlite:///{path}", var_dir=var_dir, sqlite_path=path)
        else:
            name = f"forlob_bk_{key}"
            _pg_admin(f'CREATE DATABASE "{name}"')
            db = Database(url=_pg_url(name), var_dir=var_dir, pg_name=name)
        self.made.append(db)
        return db

    def clone(self, original: Database) -> Database:
        """A copy of ``original`` (faster than migrating a new one)."""
        key = uuid.uuid4().hex[:10]
        var_dir = self.base / f"var-{key}"
        if original.sqlite_path is not None:
            path = self.base / f"forlob-{key}.sqlite3"
            with sqlite3.connect(original.sqlite_path) as src, sqlite3.connect(path) as dst:
                src.backup(dst)
            db = Database(url=f"sqlite:///{path}", var_dir=var_dir, sqlite_path=path)
        else:
            name = f"forlob_bk_{key}"
            _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{original.pg_name}"')
            db = Database(url=_pg_url(name), var_dir=var_dir, pg_name=name)
        self.made.append(db)
        return db

    def drop_all(self) -> None:
        for db in self.made:
            if db.pg_name:
                _pg_admin(f'DROP DATABASE IF EXISTS "{db.pg_name}" WITH (FORCE)')


def _pg_server() -> dict[str, Any]:
    import dj_database_url

    return dj_database_url.parse(os.environ["DATABASE_URL"])


def _pg_url(name: str) -> str:
    """The suite's DATABASE_URL with another database name (query parameters kept)."""
    url, _sep, query = os.environ["DATABASE_URL"].partition("?")
    return url[: url.rindex("/") + 1] + name + (f"?{query}" if query else "")


def _pg_admin(statement: str, dbname: str = "postgres") -> list[tuple[Any, ...]]:
    import psycopg

    s = _pg_server()
    with psycopg.connect(
        dbname=dbname,
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
        host=s["HOST"] or None,
        port=s["PORT"] or None,
        autocommit=True,
    ) as conn:
        cursor = conn.execute(statement)
        return cursor.fetchall() if cursor.description else []


@pytest.fixture
def databases(tmp_path: Path) -> Iterator[Databases]:
    dbs = Databases(base=tmp_path)
    yield dbs
    dbs.drop_all()


# --- running things as a user would -------------------------------------------------------------


def _env(db: Database) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db.url,
        FORLOB_VAR_DIR=str(db.var_dir),
        FORLOB_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="forlob.settings",
    )
    return env


def forlob(db: Database, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``forlob ARGS`` against ``db``; the result keeps exit code, stdout and stderr."""
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "forlob.cli", *args],
        env=_env(db),
        cwd=settings.PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


_DRIVER = (
    "import sys, django; django.setup(); "
    "from tests.core.test_backup import drive_main; drive_main(sys.argv[1:])"
)


def drive(db: Database, *steps: str) -> list[Any]:
    """Run ``steps`` of ``drive_main`` in one subprocess against ``db``; their results."""
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _DRIVER, *steps],
        env=_env(db),
        cwd=settings.PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def output(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


# --- what the subprocesses do (imported there after django.setup()) -----------------------------


def drive_main(steps: list[str]) -> None:
    results = [_STEPS[step]() for step in steps]
    print(json.dumps(results, default=str))


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _populate() -> list[str]:
    """A small municipality written through the services (so the access log fills as in use)."""
    from forlob.citizens.services import citizen_note_add, citizen_register
    from forlob.pathways.models import PathwayStatus
    from forlob.pathways.services import pathway_create_from_referral, pathway_transition
    from forlob.referrals.models import ReferralType
    from forlob.scheduling.services import appointment_book
    from tests.factories import (
        CitizenFactory,
        LocationFactory,
        MunicipalityFactory,
        TeamFactory,
        TherapistFactory,
        UnitFactory,
        dropout_reason,
        make_cpr,
        register_referral,
        working_week,
    )
    from tests.helpers import NOW, TODAY, at

    _migrate()
    municipality = MunicipalityFactory(name="Randers Kommune", code="730")
    team = TeamFactory(unit=UnitFactory(municipality=municipality))
    location = LocationFactory(municipality=municipality)
    therapist = TherapistFactory(municipality=municipality, team=team)
    working_week(therapist, location)
    cprs = []
    for i in range(6):
        cpr = make_cpr(date(1940 + i, 3, 1 + i), 200 + i)
        cprs.append(cpr)
        citizen = citizen_register(
            actor=therapist,
            cpr=cpr,
            first_name=f"Borger{i}",
            last_name="Æblegaard",
            municipality=municipality,
            is_test_person=True,
        )
        citizen_note_add(actor=therapist, citizen=citizen, text=f"Note {i}: ringet op")
        referral = register_referral(actor=therapist, citizen=citizen)
        if i < 4:
            pathway = pathway_create_from_referral(
                actor=therapist, referral=referral, responsible=therapist, team=team, at=NOW
            )
            appointment_book(
                actor=therapist,
                pathway=pathway,
                staff=therapist,
                location=location,
                start=at(TODAY + timedelta(days=1), 9 + i),
                duration_minutes=45,
                now=NOW,
            )
        if i == 0:
            pathway_transition(
                actor=therapist,
                pathway=pathway,
                to_status=PathwayStatus.DROPPED_OUT,
                dropout_reason=dropout_reason(),
                at=NOW,
            )
    register_referral(
        actor=therapist,
        citizen=CitizenFactory(municipality=municipality),
        type_code=ReferralType.CHRONIC,
        chronic_disease="copd",
    )
    return cprs


def _mutate() -> None:
    """After the backup: change or add rows in every key table, delete some."""
    from forlob.citizens.models import Citizen
    from forlob.citizens.services import citizen_note_add, citizen_register
    from forlob.core.models import User
    from forlob.pathways.models import Pathway, PathwayStatus
    from forlob.pathways.services import pathway_transition
    from forlob.referrals.models import Referral
    from forlob.referrals.services import referral_reject
    from forlob.scheduling.models import Appointment, AppointmentStatus
    from tests.factories import make_cpr
    from tests.helpers import NOW

    actor = User.objects.get(role_assignments__role="therapist")
    citizen = Citizen.objects.order_by("pk").first()
    Citizen.objects.filter(pk=citizen.pk).update(first_name="Ændret")
    citizen_note_add(actor=actor, citizen=citizen, text="Skrevet efter backup")
    for referral in Referral.objects.filter(status=Referral.Status.NEW):
        referral_reject(actor=actor, referral=referral, reason=Referral.RejectReason.values[0])
    booked = Pathway.objects.filter(status=PathwayStatus.BOOKED).order_by("pk")
    pathway_transition(actor=actor, pathway=booked[0], to_status=PathwayStatus.CANCELLED, at=NOW)
    Appointment.objects.filter(status=AppointmentStatus.BOOKED).order_by("pk").first().delete()
    citizen_register(
        actor=actor,
        cpr=make_cpr(date(1977, 7, 7), 777),
        first_name="Ny",
        last_name="Efter",
        municipality=actor.municipality,
    )


def _fingerprint() -> dict[str, dict[str, Any]]:
    from django.db import connection

    from forlob.access.models import AccessLog
    from forlob.citizens.models import Citizen, CitizenNote
    from forlob.pathways.models import Pathway, PathwayTransition
    from forlob.referrals.models import Referral
    from forlob.scheduling.models import Appointment

    tables = sorted(connection.introspection.table_names())
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT count(*) FROM {quoted}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    digests = {}
    if "citizens_citizen" in tables:
        for model in (Citizen, CitizenNote, Referral, Pathway, PathwayTransition, Appointment):
            digests[model._meta.label] = _digest(model)
        digests[AccessLog._meta.label] = _digest(AccessLog)
    return {"counts": counts, "digests": digests}


def _digest(model: Any) -> str:
    fields = [f.attname for f in model._meta.concrete_fields]
    rows = list(model._default_manager.order_by("pk").values_list(*fields))
    return hashlib.sha256(json.dumps(rows, default=str).encode()).hexdigest()


def _add_citizen() -> int:
    """A new row after a restore: the id sequences came back too (no duplicate key)."""
    from forlob.citizens.services import citizen_register
    from forlob.core.models import User
    from tests.factories import make_cpr

    actor = User.objects.get(role_assignments__role="therapist")
    return citizen_register(
        actor=actor,
        cpr=make_cpr(date(1988, 8, 8), 888),
        first_name="Efter",
        last_name="Gendannelse",
        municipality=actor.municipality,
    ).pk


def _future_migration() -> None:
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    MigrationRecorder(connection).record_applied(*FUTURE_MIGRATION)


def _extra_table() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE zz_from_a_newer_version (id integer)")


_STEPS = {
    "migrate": _migrate,
    "populate": _populate,
    "mutate": _mutate,
    "fingerprint": _fingerprint,
    "add_citizen": _add_citizen,
    "future_migration": _future_migration,
    "extra_table": _extra_table,
}


# --- a populated source database, shared by the tests of one worker -----------------------------


@dataclass(frozen=True)
class Source:
    db: Database
    cprs: list[str]
    fingerprint: dict[str, Any]
    backup: Path  # made once, never changed: tests that tamper copy it first


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    dbs = Databases(base=tmp_path_factory.mktemp("backup-source"))
    db = dbs.new()
    cprs, fingerprint = drive(db, "populate", "fingerprint")
    backup = dbs.base / f"source.{EXT}"
    result = forlob(db, "backup", str(backup))
    assert result.returncode == 0, output(result)
    yield Source(db=db, cprs=cprs, fingerprint=fingerprint, backup=backup)
    dbs.drop_all()


def copy_backup(src: Path, dest_dir: Path) -> Path:
    dest = dest_dir / src.name
    dest.write_bytes(src.read_bytes())
    Path(f"{dest}.json").write_bytes(Path(f"{src}.json").read_bytes())
    return dest


def assert_no_cpr(text: str, cprs: list[str]) -> None:
    for cpr in cprs:
        assert cpr not in text
        assert f"{cpr[:6]}-{cpr[6:]}" not in text


def code_migrations() -> dict[str, str]:
    leaves = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes()
    return dict(sorted(leaves))


# --- round trips ----------------------------------------------------------------------------------


def test_round_trip_brings_back_exactly_the_backed_up_state(databases, tmp_path):
    db = databases.new()
    cprs, before = drive(db, "populate", "fingerprint")
    backup = tmp_path / f"nightly.{EXT}"

    made = forlob(db, "backup", str(backup))
    assert made.returncode == 0, output(made)
    assert f"Backup written: {backup}" in made.stdout

    manifest = json.loads(Path(f"{backup}.json").read_text())
    assert manifest["vendor"] == VENDOR
    assert manifest["sha256"] == file_sha256(backup)[0]
    assert manifest["migrations"] == code_migrations()
    assert manifest["row_counts"] == before["counts"]
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600  # it holds every citizen's data

    (changed,) = drive(db, "mutate", "fingerprint")[1:]
    assert changed["counts"] != before["counts"]
    for table, digest in before["digests"].items():
        assert changed["digests"][table] != digest, f"the change did not reach {table}"

    refused = forlob(db, "restore", str(backup))
    assert refused.returncode == 1
    assert "holds data" in refused.stderr
    assert "--yes" in refused.stderr
    assert drive(db, "fingerprint") == [changed]

    reader = _open_reader(db)  # SQLite: a connection of the running app, open throughout
    restored = forlob(db, "restore", str(backup), "--yes")
    assert restored.returncode == 0, output(restored)
    assert "checksum verified" in restored.stdout

    after, new_pk = drive(db, "fingerprint", "add_citizen")
    assert after == before
    assert new_pk > 0
    if reader is not None:
        # The app's open connection sees the restored data at its next read, no restart needed.
        count = reader.execute("SELECT count(*) FROM citizens_citizen").fetchone()[0]
        assert count == before["counts"]["citizens_citizen"] + 1  # + the one just added
        reader.close()
    assert_no_cpr(output(made) + output(refused) + output(restored), cprs)


def _open_reader(db: Database) -> sqlite3.Connection | None:
    if db.sqlite_path is None:
        return None
    reader = sqlite3.connect(db.sqlite_path)
    reader.execute("SELECT count(*) FROM citizens_citizen").fetchone()
    return reader


def test_default_file_name_and_restore_into_an_empty_database(source, databases):
    """Disaster recovery: a new, empty database needs no --yes and works afterwards."""
    made = forlob(source.db, "backup")
    assert made.returncode == 0, output(made)
    backups = sorted((source.db.var_dir / "backups").iterdir())
    name = re.compile(rf"forlob-\d{{8}}-\d{{6}}\.{EXT}")
    (backup,) = [p for p in backups if name.fullmatch(p.name)]
    assert Path(f"{backup}.json") in backups

    target = databases.new()
    restored = forlob(target, "restore", str(backup))
    assert restored.returncode == 0, output(restored)
    assert "forlob migrate" not in restored.stdout  # same code, nothing pending

    after, _pk = drive(target, "fingerprint", "add_citizen")
    assert after == source.fingerprint


@only_sqlite
def test_backup_is_not_blocked_by_a_writer_and_leaves_out_what_it_has_not_committed(
    source, databases, tmp_path
):
    app = sqlite3.connect(source.db.sqlite_path, isolation_level=None, timeout=1)
    app.execute("BEGIN IMMEDIATE")  # the app holds the write lock, mid-transaction
    app.execute("UPDATE citizens_citizen SET first_name = 'Uncommitted'")
    try:
        backup = tmp_path / "during-write.sqlite3"
        made = forlob(source.db, "backup", str(backup))
        assert made.returncode == 0, output(made)
    finally:
        app.execute("ROLLBACK")
        app.close()
    target = databases.new()
    assert forlob(target, "restore", str(backup)).returncode == 0
    assert drive(target, "fingerprint") == [source.fingerprint]


def test_tables_the_backup_does_not_have(source, databases):
    """SQLite replaces the whole file; PostgreSQL refuses rather than leave strays behind."""
    target = databases.clone(source.db)
    drive(target, "extra_table")
    result = forlob(target, "restore", str(source.backup), "--yes")
    if VENDOR == "sqlite":
        assert result.returncode == 0, output(result)
        after = drive(target, "fingerprint")[0]
        assert after == source.fingerprint
    else:
        assert result.returncode == 1
        assert "zz_from_a_newer_version" in result.stderr
        assert "empty database" in result.stderr
        assert "zz_from_a_newer_version" in drive(target, "fingerprint")[0]["counts"]


# --- refusals: nothing is touched ---------------------------------------------------------------


def assert_untouched(target: Database) -> None:
    """The target is still the empty database it was made as."""
    if target.sqlite_path is not None:
        assert not target.sqlite_path.exists()
    else:
        tables = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        assert _pg_admin(tables, dbname=target.pg_name) == [(0,)]


def test_a_changed_file_is_refused(source, databases, tmp_path):
    backup = copy_backup(source.backup, tmp_path)
    data = bytearray(backup.read_bytes())
    data[len(data) // 2] ^= 0xFF
    backup.write_bytes(bytes(data))
    target = databases.new()

    result = forlob(target, "restore", str(backup))

    assert result.returncode == 1
    assert "does not match its manifest" in result.stderr
    assert_untouched(target)


def test_a_backup_without_its_manifest_is_refused(source, databases, tmp_path):
    backup = copy_backup(source.backup, tmp_path)
    Path(f"{backup}.json").unlink()
    target = databases.new()
    result = forlob(target, "restore", str(backup))
    assert result.returncode == 1
    assert "No manifest" in result.stderr
    assert_untouched(target)


def test_a_backup_from_newer_code_is_refused(source, databases, tmp_path):
    db = databases.clone(source.db)
    drive(db, "future_migration")
    backup = tmp_path / f"newer.{EXT}"
    assert forlob(db, "backup", str(backup)).returncode == 0
    target = databases.new()

    result = forlob(target, "restore", str(backup))
    assert result.returncode == 1
    assert "newer version of Forløb" in result.stderr
    assert ".".join(FUTURE_MIGRATION) in result.stderr
    assert_untouched(target)

    # Editing the manifest to hide it does not help: the state is read from the file itself.
    manifest_path = Path(f"{backup}.json")
    manifest = json.loads(manifest_path.read_text())
    manifest["migrations"]["citizens"] = code_migrations()["citizens"]
    manifest_path.write_text(json.dumps(manifest))
    result = forlob(target, "restore", str(backup))
    assert result.returncode == 1
    assert "differs from its manifest" in result.stderr
    assert_untouched(target)


def test_an_existing_backup_is_never_overwritten(source, tmp_path):
    backup = copy_backup(source.backup, tmp_path)
    before = file_sha256(backup)
    result = forlob(source.db, "backup", str(backup))
    assert result.returncode == 1
    assert "already exists" in result.stderr
    assert file_sha256(backup) == before


def test_restore_of_a_missing_file(source):
    result = forlob(source.db, "restore", str(source.backup.with_name(f"missing.{EXT}")))
    assert result.returncode == 1
    assert "No backup file" in result.stderr


# --- pieces -------------------------------------------------------------------------------------


def _fake_tool(path: Path, version: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho 'pg_dump (PostgreSQL) {version}'\n")
    path.chmod(0o755)
    return path


def test_pg_tool_takes_the_servers_version_else_the_newest_newer(tmp_path):
    lib = tmp_path / "lib"
    tools = {v: _fake_tool(lib / str(v) / "bin" / "pg_dump", f"{v}.3") for v in (13, 15, 16)}
    empty_path = str(tmp_path / "nothing-on-path")

    def pick(server: int) -> Path:
        return pg_tool("pg_dump", server_major=server, lib_dir=lib, search_path=empty_path)

    assert pick(15) == tools[15]
    assert pick(14) == tools[16]  # 13 is too old for a 14 server
    with pytest.raises(BackupError, match=r"PostgreSQL 17 not found \(installed: 13, 15, 16\)"):
        pick(17)
    # On PATH (its version asked with --version) when Debian's directories lack it.
    on_path = _fake_tool(tmp_path / "bin" / "pg_dump", "17.2")
    assert pg_tool("pg_dump", server_major=17, lib_dir=lib, search_path=str(on_path.parent)) == (
        on_path
    )


def test_tool_errors_are_shown_without_cpr_numbers():
    stderr = 'CONTEXT:  COPY citizens_citizen, line 3: "3\t0103411234\tBorger"\n 010341-1234'
    assert redact(stderr) == (
        'CONTEXT:  COPY citizens_citizen, line 3: "3\t010341-****\tBorger"\n 010341-****'
    )
