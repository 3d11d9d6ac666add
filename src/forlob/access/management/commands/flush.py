"""Django's ``flush``, able to empty the append-only audit log on SQLite as well.

On PostgreSQL ``flush`` is a TRUNCATE, which the log's row triggers do not see; on SQLite it is
``DELETE FROM``, which they refuse. Emptying the whole database is an operator's act (and what the
test runner does between transactional tests), so the guard is lifted while this command runs,
on this connection only. See access/retention.py.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as FlushCommand

from forlob.access.retention import flush_allowed


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        with flush_allowed(options["database"]):
            super().handle(**options)
