"""``forlob backup [FILE]``: a consistent backup of the database, with a manifest beside it.

See ``forlob.core.backup`` for how (SQLite online backup API, or pg_dump in one snapshot).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from forlob.core.backup import BackupError, backup_create, manifest_path_for


class Command(BaseCommand):
    help = (
        "Back up the database to FILE (default var/backups/forlob-YYYYMMDD-HHMMSS.sqlite3 or "
        ".dump) and write a manifest FILE.json. Safe while the app is running."
    )
    # A backup must work even when the app's own checks fail: that may be why you need one.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", type=Path, help="Where to write the backup.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias.")

    def handle(self, *args: Any, file: Path | None, database: str, **options: Any) -> None:
        try:
            result = backup_create(path=file, using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        path, manifest = result.path, result.manifest
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written: {path} ({manifest.size / 1e6:,.1f} MB, "
                f"{manifest.total_rows:,} rows in {len(manifest.row_counts)} tables)"
            )
        )
        self.stdout.write(f"Manifest: {manifest_path_for(path)}")
        self.stdout.write(f"SHA-256: {manifest.sha256}")
        self.stdout.write(
            "The file holds every citizen's data: keep it as protected as the database."
        )
