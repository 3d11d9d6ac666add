"""The database refuses UPDATE and DELETE on the access log (append-only evidence).

The only DELETE let through is the retention purge (access/retention.py), and only for rows older
than the cutoff that purge declared in its own transaction:

* PostgreSQL: one plpgsql trigger reading the transaction-local ``forlob.audit_purge_before``.
* SQLite: two triggers; the DELETE one asks ``forlob_audit_may_delete(at)``, a function Django
  registers on each connection (access/apps.py). Without it the DELETE fails ("no such function").

The SQL is frozen here on purpose. NB for later migrations on SQLite: a change that makes Django
rebuild ``access_accesslog`` (most ALTERs) drops these triggers with the old table; recreate them
in the same migration. tests/access/test_audit_log.py fails if they are missing.
"""

from django.db import migrations

TABLE = "access_accesslog"

PG_INSTALL = [
    """
    CREATE OR REPLACE FUNCTION forlob_accesslog_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        purge_before text := current_setting('forlob.audit_purge_before', true);
    BEGIN
        IF TG_OP = 'DELETE' AND coalesce(purge_before, '') <> ''
           AND OLD."at" < purge_before::timestamptz THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'The access log is append-only: % refused', TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END
    $$
    """,
    f"""
    CREATE TRIGGER accesslog_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION forlob_accesslog_append_only()
    """,
]
PG_REMOVE = [
    f"DROP TRIGGER IF EXISTS accesslog_append_only ON {TABLE}",
    "DROP FUNCTION IF EXISTS forlob_accesslog_append_only()",
]

SQLITE_INSTALL = [
    f"""
    CREATE TRIGGER accesslog_no_update BEFORE UPDATE ON {TABLE}
    BEGIN
        SELECT RAISE(ABORT, 'The access log is append-only: UPDATE refused');
    END
    """,
    f"""
    CREATE TRIGGER accesslog_no_delete BEFORE DELETE ON {TABLE}
    WHEN forlob_audit_may_delete(OLD."at") IS NOT 1
    BEGIN
        SELECT RAISE(ABORT, 'The access log is append-only: DELETE refused');
    END
    """,
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS accesslog_no_update",
    "DROP TRIGGER IF EXISTS accesslog_no_delete",
]

STATEMENTS = {
    "postgresql": (PG_INSTALL, PG_REMOVE),
    "sqlite": (SQLITE_INSTALL, SQLITE_REMOVE),
}


def install(apps, schema_editor):
    for sql in STATEMENTS.get(schema_editor.connection.vendor, ([], []))[0]:
        schema_editor.execute(sql, params=None)  # no placeholders: "%" is plpgsql's


def remove(apps, schema_editor):
    for sql in STATEMENTS.get(schema_editor.connection.vendor, ([], []))[1]:
        schema_editor.execute(sql, params=None)  # no placeholders: "%" is plpgsql's


class Migration(migrations.Migration):
    dependencies = [("access", "0003_break_glass")]

    operations = [migrations.RunPython(install, remove)]
