"""On PostgreSQL: the database refuses two active sessions of one staff member that overlap.

The services lock the staff rows before they check for clashes (as ``appointment_book`` does);
this exclusion constraint is the backstop for any writer that forgets to. SQLite has no such
constraint; there every write transaction is serialised (BEGIN IMMEDIATE). btree_gist (created
by scheduling 0002) lets the gist index compare the staff id with "=".
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE programmes_sessionstaff ADD CONSTRAINT sessionstaff_no_overlap
EXCLUDE USING gist (staff_id WITH =, tstzrange("start", "end", '[)') WITH &&)
WHERE (is_active);
"""
DROP = "ALTER TABLE programmes_sessionstaff DROP CONSTRAINT IF EXISTS sessionstaff_no_overlap;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0002_seed_programmes"),
        ("scheduling", "0002_no_overlap_constraint"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
