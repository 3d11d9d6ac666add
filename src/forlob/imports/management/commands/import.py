"""``forlob import referrals|staff|calendars FILE``: check a CSV/xlsx file, import all or nothing.

The same check and write as the import pages (``imports/services.py``), with a progress bar on
the terminal. Every error is printed with its row and column (never a value from the file), and
the command exits non-zero without saving anything. ``--dry-run`` only checks.

The data goes into the municipality given by ``--municipality CODE``, or else the one of the
``--user`` the import is recorded under in the audit log. The command is for operators with
access to the server; it does not ask the access policy (the web pages do).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from forlob.core.models import Municipality, User
from forlob.imports.models import ImportKind
from forlob.imports.parsing import problem_text
from forlob.imports.services import import_file, max_bytes, summary_text


class Command(BaseCommand):
    help = (
        "Import referrals, staff or calendars from a CSV or Excel (.xlsx) file (schema: "
        "src/forlob/imports/README.md). All or nothing: any error and nothing is saved."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=ImportKind.values)
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--municipality",
            help="Municipality code (e.g. 730); default: the municipality of --user.",
        )
        parser.add_argument(
            "--user",
            help="User name the import is recorded under in the audit log (default: none).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Only check the file; save nothing."
        )

    def _municipality(self, code: str | None, actor: User | AnonymousUser) -> Municipality:
        if code:
            wanted = code.strip().lstrip("0")
            for municipality in Municipality.objects.all():
                if municipality.code.lstrip("0") == wanted:
                    return municipality
            raise CommandError(f"ukendt kommunekode: {code}")
        if isinstance(actor, User) and actor.municipality is not None:
            return actor.municipality
        raise CommandError("angiv --municipality KODE (eller --user for en kommunes bruger)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        kind: str = options["kind"]
        if not path.is_file():
            raise CommandError(f"filen findes ikke: {path}")
        if path.stat().st_size > max_bytes():
            raise CommandError(f"filen er større end {max_bytes() // (1024 * 1024)} MB; del den op")
        actor: User | AnonymousUser = AnonymousUser()
        if options.get("user"):
            try:
                actor = User.objects.get(username=options["user"], is_active=True)
            except User.DoesNotExist as exc:
                raise CommandError(f"ingen aktiv bruger med navnet {options['user']!r}") from exc
        municipality = self._municipality(options.get("municipality"), actor)
        dry_run = bool(options.get("dry_run"))

        # The bars go to stderr, so stdout carries only the result line.
        console = Console(file=getattr(self.stderr, "_out", sys.stderr), highlight=False)
        with (
            translation.override("da"),
            Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
            ) as bars,
        ):
            tasks: dict[str, TaskID] = {}

            def reporter(label: str) -> Any:
                def report(done: int, total: int) -> None:
                    if label not in tasks:
                        tasks[label] = bars.add_task(label, total=total)
                    bars.update(tasks[label], completed=done, total=total)

                return report

            result, counts = import_file(
                kind=kind,
                content=path.read_bytes(),
                municipality=municipality,
                actor=actor,
                filename=path.name,
                dry_run=dry_run,
                check_progress=reporter("Kontrollerer rækker"),
                write_progress=reporter("Gemmer rækker"),
            )
        with translation.override("da"):  # the locations ("Række 4, kolonne B")
            if not result.ok:
                for problem in result.problems:
                    self.stderr.write(f"  {problem_text(problem.as_dict())}")
                more = result.problem_count - len(result.problems)
                if more:
                    self.stderr.write(f"  … og {more} fejl mere")
                raise CommandError(f"Intet importeret: {result.problem_count} fejl i {path.name}.")
            if counts is None:
                self.stdout.write(
                    f"Kontrolleret {path.name}: {len(result.items)} rækker uden fejl "
                    f"({summary_text(result.counts()) or 'intet at gøre'}). "
                    "Intet gemt (--dry-run)."
                )
                return
            self.stdout.write(
                f"Importeret fra {path.name} til {municipality.name}: "
                f"{summary_text(counts) or 'intet ændret'}."
            )
