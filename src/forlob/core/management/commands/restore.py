"""``forlob restore FILE [--yes]``: replace the database with a verified backup, all or nothing.

See ``forlob.core.backup`` for the checks made before anything is touched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from forlob.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore the database from a backup made by `forlob backup` (checksum and migration "
        "state verified first). Replacing a database that holds data needs --yes."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The backup file (its FILE.json beside it).")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Replace the database even though it holds data.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias.")

    def handle(self, *args: Any, file: Path, yes: bool, database: str, **options: Any) -> None:
        try:
            result = backup_restore(path=file, using=database, overwrite=yes)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        m = result.manifest
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {result.target} from {file.name} (made {m.created_at}): "
                f"{m.total_rows:,} rows in {len(m.row_counts)} tables, checksum verified."
            )
        )
        if result.pending_migrations:
            self.stdout.write(
                self.style.WARNING(
                    f"The backup is older than this code ({len(result.pending_migrations)} "
                    "apps have newer migrations): run `forlob migrate` before starting the app."
                )
            )
