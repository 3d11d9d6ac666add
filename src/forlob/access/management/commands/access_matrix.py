"""Print the role × action × reach matrix, or write it into the README."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from forlob.access.matrix import END, START, matrix_markdown, replace_block


class Command(BaseCommand):
    help = "Print the access matrix (roles × actions × reach) as Markdown, or --write it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--write", metavar="FILE", help=f"replace the block between {START} and {END}"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["write"]:
            self.stdout.write(matrix_markdown())
            return
        path = Path(options["write"])
        text = path.read_text(encoding="utf-8")
        if START not in text or END not in text:
            raise CommandError(f"{path} has no access-matrix markers; add {START} and {END}.")
        path.write_text(replace_block(text), encoding="utf-8")
        self.stdout.write(f"Access matrix written to {path}.")
