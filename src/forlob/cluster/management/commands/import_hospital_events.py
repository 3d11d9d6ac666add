"""``forlob import-hospital-events FILE``: import a CSV file or FHIR bundle of hospital events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from forlob.cluster.services import hospital_events_import
from forlob.core.models import User


class Command(BaseCommand):
    help = (
        "Import hospital events (admissions, discharges) from a CSV file (schema: "
        "src/forlob/cluster/README.md) or a FHIR R4 Bundle of Encounters (JSON). All or nothing; "
        "importing the same events again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--user",
            help="User name the import is recorded under in the audit log (default: none).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        actor: User | AnonymousUser = AnonymousUser()
        if options.get("user"):
            try:
                actor = User.objects.get(username=options["user"], is_active=True)
            except User.DoesNotExist as exc:
                raise CommandError(f"no active user named {options['user']!r}") from exc
        with translation.override("da"):
            try:
                result = hospital_events_import(
                    actor=actor, content=path.read_bytes(), filename=path.name
                )
            except ValidationError as exc:
                for message in exc.messages:
                    self.stderr.write(f"  {message}")
                raise CommandError(
                    f"Intet importeret: {len(exc.messages)} fejl i {path.name}."
                ) from exc
        self.stdout.write(
            f"Importeret fra {path.name}: {result.created} nye, {result.updated} ændrede, "
            f"{result.unchanged} uændrede hændelser; {result.follow_ups} nye opfølgende "
            "hjemmebesøg."
        )
