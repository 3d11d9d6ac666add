"""The audit log is append-only, in the application and in the database; old entries are purged.

Runs on SQLite and on PostgreSQL (scripts/with-postgres): the database guard is a trigger on
both, built differently (migration 0004), and these tests are what shows each one works.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from forlob.access.models import AccessLog, AccessLogQuerySet, AppendOnlyError
from forlob.access.retention import audit_purge, deletes_allowed, retention_cutoff
from tests.access.audit_support import entry_at
from tests.helpers import NOW

pytestmark = pytest.mark.usefixtures("frozen")

TABLE = AccessLog._meta.db_table
# The statements someone with database access might try (the table name is ours, not input).
UPDATE_ONE = f"UPDATE {TABLE} SET reason = 'rettet' WHERE id = %s"  # noqa: S608
UPDATE_ALL = f"UPDATE {TABLE} SET reason = 'rettet'"  # noqa: S608
DELETE_ONE = f"DELETE FROM {TABLE} WHERE id = %s"  # noqa: S608
DELETE_ALL = f"DELETE FROM {TABLE}"  # noqa: S608
RETENTION = timedelta(days=5 * 365)


@pytest.fixture
def entry(therapist, case) -> AccessLog:
    return entry_at(NOW, actor=therapist, citizen=case.citizen, operation="citizen_detail")


def snapshot() -> list[tuple]:
    return list(AccessLog.objects.order_by("id").values_list("id", "operation", "reason", "at"))


def raw(sql: str, params: list | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount


def refused_by_database(sql: str, params: list | None = None) -> bool:
    """Run ``sql`` in a savepoint; True when the database refuses it."""
    try:
        with transaction.atomic():
            raw(sql, params)
    except IntegrityError as exc:
        assert "append-only" in str(exc)
        return True
    return False


# --- the application refuses ----------------------------------------------------------------------


def test_an_existing_entry_cannot_be_saved_again(entry):
    before = snapshot()
    entry.reason = "rettet"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.save(update_fields=["reason"])
    assert snapshot() == before


def test_an_entry_cannot_be_deleted(entry):
    before = snapshot()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert snapshot() == before


def test_the_queryset_refuses_update_and_delete(entry):
    before = snapshot()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=entry.pk).update(reason="x")
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.update(reason="x")
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.bulk_update([entry], ["reason"])
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.update_or_create(pk=entry.pk, defaults={"reason": "x"})
    assert not hasattr(AccessLog.objects, "delete")  # like Django's: only on a queryset
    assert snapshot() == before


def test_new_entries_are_still_written(therapist, case):
    before = AccessLog.objects.count()
    entry_at(NOW, actor=therapist, citizen=case.citizen)
    AccessLog.objects.bulk_create(
        [AccessLog(actor_name="x", kind="read", operation="calendar_day", outcome="allowed")]
    )
    assert AccessLog.objects.count() == before + 2


# --- the database refuses -------------------------------------------------------------------------


def test_raw_sql_update_is_refused(entry):
    before = snapshot()
    assert refused_by_database(UPDATE_ONE, [entry.pk])
    assert refused_by_database(UPDATE_ALL)
    assert snapshot() == before


def test_raw_sql_delete_is_refused(entry):
    before = snapshot()
    assert refused_by_database(DELETE_ONE, [entry.pk])
    assert refused_by_database(DELETE_ALL)
    assert snapshot() == before


def test_the_purge_permission_covers_only_rows_older_than_its_cutoff(therapist, case):
    old = entry_at(NOW - RETENTION - timedelta(days=1), actor=therapist, citizen=case.citizen)
    new = entry_at(NOW - RETENTION + timedelta(days=1), actor=therapist, citizen=case.citizen)
    with transaction.atomic(), deletes_allowed(before=NOW - RETENTION):
        assert refused_by_database(DELETE_ONE, [new.pk])
        assert refused_by_database(UPDATE_ONE, [old.pk])
        assert raw(DELETE_ONE, [old.pk]) == 1
    assert AccessLog.objects.filter(pk=old.pk).count() == 0
    assert AccessLog.objects.filter(pk=new.pk).count() == 1


def test_a_failure_inside_the_purge_block_surfaces_as_itself(therapist, case):
    old = entry_at(NOW - RETENTION - timedelta(days=1), actor=therapist, citizen=case.citizen)
    new = entry_at(NOW, actor=therapist, citizen=case.citizen)
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        deletes_allowed(before=NOW - RETENTION),
    ):
        raw(DELETE_ONE, [old.pk])
        raw(DELETE_ONE, [new.pk])  # too new: refused, and the old one's deletion rolls back
    assert AccessLog.objects.filter(pk__in=[old.pk, new.pk]).count() == 2
    assert refused_by_database(DELETE_ONE, [old.pk])


def test_the_purge_permission_ends_with_its_block(therapist, case):
    old = entry_at(NOW - RETENTION - timedelta(days=1), actor=therapist, citizen=case.citizen)
    with transaction.atomic():
        with deletes_allowed(before=NOW):
            pass
        # Same transaction, after the block: refused again (PostgreSQL: the setting is cleared,
        # not left to the end of the transaction; SQLite: the connection's flag is gone).
        assert refused_by_database(DELETE_ONE, [old.pk])
    assert refused_by_database(DELETE_ONE, [old.pk])
    assert AccessLog.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_purge_permission_refuses_to_start_in_autocommit():
    with pytest.raises(RuntimeError, match="atomic"), deletes_allowed(before=NOW):
        pass  # pragma: no cover


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the function exists only on SQLite")
def test_a_sqlite_connection_without_the_guard_function_cannot_delete(tmp_path):
    """Outside Django (the sqlite3 shell) the trigger's function is missing: it fails closed."""
    import sqlite3

    path = tmp_path / "copy.sqlite3"
    source = connection.connection
    with sqlite3.connect(path) as copy:
        source.backup(copy)
    plain = sqlite3.connect(path)
    try:
        plain.execute(
            f"INSERT INTO {TABLE} (at, actor_name, actor_roles, kind, operation, object_type,"  # noqa: S608
            " object_id, outcome, reason) VALUES ('2026-01-01 10:00:00', 'x', '', 'read',"
            " 'citizen_detail', '', '', 'allowed', '')"
        )
        with pytest.raises(sqlite3.OperationalError, match="forlob_audit_may_delete"):
            plain.execute(DELETE_ALL)
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            plain.execute(UPDATE_ALL)
    finally:
        plain.close()


# --- retention ------------------------------------------------------------------------------------


@pytest.fixture
def aged(therapist, case) -> dict[str, AccessLog]:
    """Entries six and four years old and one from today (retention: five years)."""
    return {
        "six_years": entry_at(NOW - timedelta(days=6 * 365), actor=therapist, citizen=case.citizen),
        "just_over": entry_at(NOW - RETENTION - timedelta(minutes=1), actor=therapist),
        "four_years": entry_at(
            NOW - timedelta(days=4 * 365), actor=therapist, citizen=case.citizen
        ),
        "today": entry_at(NOW, actor=therapist, citizen=case.citizen),
    }


def test_the_cutoff_follows_the_setting(settings):
    assert retention_cutoff(NOW) == NOW - RETENTION
    settings.FORLOB_AUDIT_RETENTION_DAYS = 30
    assert retention_cutoff(NOW) == NOW - timedelta(days=30)


def test_purge_deletes_only_entries_past_retention_and_says_so(aged):
    total = AccessLog.objects.count()
    result = audit_purge(now=NOW)
    assert (result.count, result.dry_run, result.cutoff) == (2, False, NOW - RETENTION)
    remaining = set(AccessLog.objects.values_list("pk", flat=True))
    assert aged["six_years"].pk not in remaining
    assert aged["just_over"].pk not in remaining
    assert {aged["four_years"].pk, aged["today"].pk} <= remaining
    # One entry records the purge itself: no user, no citizen.
    purge = AccessLog.objects.get(operation="audit_purge")
    assert (purge.actor, purge.citizen, purge.kind) == (None, None, "write")
    assert purge.reason.startswith("2 entries logged before")
    assert AccessLog.objects.count() == total - 2 + 1


def test_a_dry_run_deletes_nothing(aged):
    before = snapshot()
    result = audit_purge(now=NOW, dry_run=True)
    assert (result.count, result.dry_run) == (2, True)
    assert snapshot() == before


def test_nothing_to_purge_writes_nothing(therapist, case):
    entry_at(NOW, actor=therapist, citizen=case.citizen)
    before = snapshot()
    assert audit_purge(now=NOW).count == 0
    assert snapshot() == before


def test_the_purge_is_atomic(aged, monkeypatch):
    """If recording the purge fails, no entry has been deleted."""
    before = snapshot()

    def broken(self, **kwargs):
        raise IntegrityError("disk full")

    monkeypatch.setattr(AccessLogQuerySet, "create", broken)
    with pytest.raises(IntegrityError, match="disk full"):
        audit_purge(now=NOW)
    monkeypatch.undo()
    assert snapshot() == before
    # And the permission did not outlive the failed purge.
    assert refused_by_database(DELETE_ONE, [aged["six_years"].pk])


def test_the_retention_can_be_shortened(aged, settings):
    settings.FORLOB_AUDIT_RETENTION_DAYS = 3 * 365
    assert audit_purge(now=NOW).count == 3


def test_a_retention_below_one_day_is_refused(aged, settings):
    settings.FORLOB_AUDIT_RETENTION_DAYS = 0
    before = snapshot()
    with pytest.raises(ValueError, match="at least 1"):
        audit_purge(now=NOW)
    assert snapshot() == before


def test_the_command_prints_how_many(aged):
    out = StringIO()
    call_command("purge_audit", "--dry-run", stdout=out)
    assert "Would delete 2 access-log entries" in out.getvalue()
    assert AccessLog.objects.filter(pk=aged["six_years"].pk).exists()

    out = StringIO()
    call_command("purge_audit", stdout=out)
    assert "Deleted 2 access-log entries" in out.getvalue()
    assert "retention 1825 days" in out.getvalue()
    assert not AccessLog.objects.filter(pk=aged["six_years"].pk).exists()

    out = StringIO()
    call_command("purge_audit", stdout=out)
    assert "Deleted 0 access-log entries" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_log_and_leaves_the_guard_in_place(reference_data, therapist, case):
    """``flush`` (also the test runner's between transactional tests) may empty everything.

    Transactional, as flush really runs: on PostgreSQL a TRUNCATE inside the test's transaction
    would meet the pending deferred foreign-key checks instead.
    """
    entry_at(NOW, actor=therapist, citizen=case.citizen)
    call_command("flush", interactive=False, verbosity=0)
    assert AccessLog.objects.count() == 0
    from forlob.core.models import User

    actor = User.objects.create(username="efter")
    later = AccessLog.objects.create(
        actor=actor, actor_name="efter", kind="read", operation="x", outcome="allowed"
    )
    assert refused_by_database(DELETE_ONE, [later.pk])
