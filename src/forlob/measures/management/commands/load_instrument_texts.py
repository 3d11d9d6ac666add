"""Load the licensed wording of an instrument (COPM, EQ-5D, ...) from a JSON file.

    forlob load-instrument-texts texts.json [--replace]

The file holds one object or a list of objects::

    {"instrument": "eq5d5l", "language": "da",
     "texts": {"mobility": "...", "mobility.1": "...", "vas": "..."}}

Item keys are the instrument's ``text_keys`` (see ``forlob.measures.instruments``). All or
nothing: any unknown instrument, language or item, or an empty text, and nothing is loaded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from forlob.measures.services import instrument_texts_load


class Command(BaseCommand):
    help = "Load licensed instrument wording (JSON) that the measure forms then show."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="JSON file with instrument texts")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="remove texts of the same instrument and language that the file does not name",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{path}: not valid JSON ({exc})") from None
        try:
            loaded = instrument_texts_load(
                data,
                languages=[code for code, _name in settings.LANGUAGES],
                replace=options["replace"],
            )
        except ValidationError as exc:
            raise CommandError("Nothing was loaded:\n  " + "\n  ".join(exc.messages)) from None
        for (instrument, language), count in sorted(loaded.items()):
            self.stdout.write(f"{instrument} ({language}): {count} texts loaded.")
