"""On PostgreSQL: the database itself refuses two busy appointments of one therapist that overlap.

The booking service already serialises bookings per therapist with a row lock; this exclusion
constraint is the backstop for any writer that forgets to. SQLite has no such constraint; there
every write transaction is serialised (BEGIN IMMEDIATE), which gives the same guarantee to the
service. btree_gist lets the gist index compare the staff id with "=".
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_no_overlap
EXCLUDE USING gist (staff_id WITH =, tstzrange("start", "end", '[)') WITH &&)
WHERE (status IN ('booked', 'attended', 'no_show'));
"""
DROP = "ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS appointment_no_overlap;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
