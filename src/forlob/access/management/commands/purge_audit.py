"""``forlob purge-audit [--dry-run]``: delete audit entries older than the retention period.

Run it from cron (e.g. nightly). The retention is ``FORLOB_AUDIT_RETENTION_DAYS`` (default five
years); everything happens in one transaction and leaves one entry saying what was purged.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from forlob.access.retention import audit_purge


class Command(BaseCommand):
    help = "Delete access-log entries older than FORLOB_AUDIT_RETENTION_DAYS (atomic)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count what would be deleted."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = audit_purge(dry_run=options["dry_run"], using=options["database"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        days = settings.FORLOB_AUDIT_RETENTION_DAYS
        cutoff = timezone.localtime(result.cutoff)
        when = f"logged before {cutoff:%Y-%m-%d %H:%M %Z} (retention {days} days)"
        if result.dry_run:
            self.stdout.write(f"Would delete {result.count} access-log entries {when}.")
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Deleted {result.count} access-log entries {when}.")
            )
