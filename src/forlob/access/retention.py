"""How long the audit log is kept, and the one way old entries leave it.

The log is append-only three times over: the model refuses ``save()`` on an existing row and
``delete()``, its QuerySet refuses ``update()``/``delete()``, and the database refuses UPDATE and
DELETE with triggers (migration 0004). The only hole is deliberate: ``audit_purge`` lifts the
database guard for rows older than the retention cutoff, inside its own transaction.

* PostgreSQL: the trigger reads the transaction-local setting ``forlob.audit_purge_before``
  (``set_config(..., true)`` = ``SET LOCAL``), so the permission dies with the transaction and a
  row newer than the declared cutoff stays undeletable even then.
* SQLite has no session variables; the trigger calls ``forlob_audit_may_delete(at)``, a function
  this module registers on every connection Django opens. It answers from a flag on that one
  connection. A connection without the function (the ``sqlite3`` shell) gets "no such function":
  the guard fails closed.

Neither stops someone who owns the database file or the database role (they can drop a trigger);
against that, ship the log off the machine (backups), and give the app's role no TRUNCATE/DDL
rights in production (PostgreSQL's TRUNCATE fires no row triggers).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from forlob.access.models import AccessLog

# Read by the triggers of migration 0004; the names are part of the database schema.
PG_PURGE_SETTING = "forlob.audit_purge_before"
SQLITE_MAY_DELETE = "forlob_audit_may_delete"
_SQLITE_FLAG = "_forlob_audit_purge_before"
# Sorts after every timestamp Django stores in SQLite ("YYYY-MM-DD HH:MM:SS[.ffffff]").
_SQLITE_EVERYTHING = "9999-12-31 23:59:59.999999"

PURGE_OPERATION = "audit_purge"
PURGE_ACTOR_NAME = "forlob purge-audit"


def register_sqlite_functions(
    sender: object, connection: BaseDatabaseWrapper, **kwargs: Any
) -> None:
    """``connection_created`` receiver: give each SQLite connection the trigger's function."""
    if connection.vendor != "sqlite":
        return

    def may_delete(at: object) -> int:
        before = getattr(connection, _SQLITE_FLAG, None)
        return int(isinstance(before, str) and isinstance(at, str) and at < before)

    connection.connection.create_function(SQLITE_MAY_DELETE, 1, may_delete)


@contextmanager
def deletes_allowed(*, before: datetime, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Let this transaction DELETE access-log rows older than ``before``; nothing else.

    Must run inside ``transaction.atomic``: on PostgreSQL the permission is transaction-local, on
    SQLite it is cleared when the block ends (SQLite has one writer, so no other transaction can
    use it meanwhile).
    """
    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError("deletes_allowed() must run inside transaction.atomic().")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config(%s, %s, true)", [PG_PURGE_SETTING, before.isoformat()]
            )
        try:
            yield
        finally:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config(%s, '', true)", [PG_PURGE_SETTING])
            except DatabaseError:
                # The block failed and PostgreSQL aborted the transaction: its rollback (to the
                # enclosing savepoint at least) undoes the setting. Let the first error surface.
                pass
    elif connection.vendor == "sqlite":
        setattr(connection, _SQLITE_FLAG, connection.ops.adapt_datetimefield_value(before))
        try:
            yield
        finally:
            delattr(connection, _SQLITE_FLAG)
    else:
        yield


@contextmanager
def flush_allowed(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """For ``forlob flush`` (and the test runner's flush between transactional tests).

    Emptying the whole database is an operator's act, not the application's: PostgreSQL's flush
    is a TRUNCATE, which row triggers do not see; on SQLite it is ``DELETE FROM``, so the guard is
    lifted for this connection while the command runs.
    """
    connection = connections[using]
    if connection.vendor != "sqlite":
        yield
        return
    setattr(connection, _SQLITE_FLAG, _SQLITE_EVERYTHING)
    try:
        yield
    finally:
        delattr(connection, _SQLITE_FLAG)


def retention_cutoff(now: datetime | None = None) -> datetime:
    """Entries logged before this moment are past ``FORLOB_AUDIT_RETENTION_DAYS``."""
    return (now or timezone.now()) - timedelta(days=settings.FORLOB_AUDIT_RETENTION_DAYS)


@dataclass(frozen=True)
class PurgeResult:
    cutoff: datetime
    count: int  # deleted, or (dry run) that would be deleted
    dry_run: bool


def audit_purge(
    *, now: datetime | None = None, dry_run: bool = False, using: str = DEFAULT_DB_ALIAS
) -> PurgeResult:
    """Delete the audit entries older than the retention period, in one transaction.

    The purge leaves its own entry (no citizen, no user: the operator's command) saying how many
    rows went and up to when, so the log shows that it was thinned and by whom.
    """
    if settings.FORLOB_AUDIT_RETENTION_DAYS < 1:
        raise ValueError("FORLOB_AUDIT_RETENTION_DAYS must be at least 1.")
    cutoff = retention_cutoff(now)
    connection = connections[using]
    with transaction.atomic(using=using):
        count = AccessLog.objects.using(using).filter(at__lt=cutoff).count()
        if dry_run or count == 0:
            return PurgeResult(cutoff=cutoff, count=count, dry_run=dry_run)
        # Raw SQL on purpose: the ORM's delete() is refused for this model (models.py).
        qn = connection.ops.quote_name
        sql = f"DELETE FROM {qn(AccessLog._meta.db_table)} WHERE {qn('at')} < %s"  # noqa: S608
        with deletes_allowed(before=cutoff, using=using), connection.cursor() as cursor:
            cursor.execute(sql, [connection.ops.adapt_datetimefield_value(cutoff)])
            deleted = cursor.rowcount
        AccessLog.objects.using(using).create(
            actor=None,
            actor_name=PURGE_ACTOR_NAME,
            kind=AccessLog.Kind.WRITE,
            operation=PURGE_OPERATION,
            outcome=AccessLog.Outcome.ALLOWED,
            reason=f"{deleted} entries logged before {cutoff.isoformat()} deleted "
            f"(retention {settings.FORLOB_AUDIT_RETENTION_DAYS} days)",
        )
    return PurgeResult(cutoff=cutoff, count=deleted, dry_run=False)
