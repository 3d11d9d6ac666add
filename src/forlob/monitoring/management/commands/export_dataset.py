"""`forlob export-dataset --key KEY --year YEAR --out DIR`: the pseudonymised dataset.

Writes ``forlob-<code>-<year>-pathways.parquet``, ``-counts.parquet`` and the data dictionary
(``-data-dictionary.json`` and ``.md``) into DIR. The key decides the pseudonyms and is never
stored or printed; prefer ``--key-file`` (or the environment variable FORLOB_EXPORT_KEY) over a
key on the command line, which other users of the machine may see in the process list.
The export is recorded in the access log (as ``--user``, else as the system user).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from forlob.access.policy import Action, can
from forlob.core.models import Municipality, User
from forlob.monitoring.dataset import build_dataset, write_dataset
from forlob.monitoring.forms import KEY_MIN_LENGTH
from forlob.monitoring.services import dataset_export_record


class Command(BaseCommand):
    help = "Export the pseudonymised dataset for inter-municipal knowledge sharing (Parquet)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--key", help="The export key (or --key-file / FORLOB_EXPORT_KEY).")
        parser.add_argument("--key-file", type=Path, help="A file whose first line is the key.")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--out", type=Path, required=True, help="Directory to write into.")
        parser.add_argument(
            "--municipality", help="Municipality code (needed when there are several)."
        )
        parser.add_argument("--user", help="Export as this user (must be allowed to export).")

    def handle(self, *args: Any, **o: Any) -> None:
        key = self._key(o)
        municipality = self._municipality(o)
        user = None
        if o["user"]:
            user = User.objects.filter(username=o["user"], is_active=True).first()
            if user is None or not can(user, Action.EXPORT):
                raise CommandError(f"{o['user']!r} is no active user allowed to export datasets.")
            if user.municipality_id != municipality.pk:
                raise CommandError(f"{o['user']!r} belongs to another municipality.")
        dataset = build_dataset(municipality=municipality, year=o["year"], key=key)
        paths = write_dataset(dataset, o["out"])
        dataset_export_record(
            actor=user, municipality=municipality, year=o["year"], rows=dataset.pathways.height
        )
        self.stdout.write(
            f"{dataset.pathways.height} pathways ({dataset.generalised_rows} generalised, "
            f"{dataset.dropped_rows} left out) for {municipality} {o['year']}:"
        )
        for path in paths:
            self.stdout.write(f"  {path}")

    def _key(self, o: dict[str, Any]) -> str:
        if o["key_file"]:
            try:
                key = o["key_file"].read_text(encoding="utf-8").splitlines()[0].strip()
            except (OSError, IndexError) as exc:
                raise CommandError(f"Cannot read a key from {o['key_file']}") from exc
        else:
            key = (o["key"] or os.environ.get("FORLOB_EXPORT_KEY", "")).strip()
        if len(key) < KEY_MIN_LENGTH:
            raise CommandError(f"The export key must be at least {KEY_MIN_LENGTH} characters.")
        return key

    def _municipality(self, o: dict[str, Any]) -> Municipality:
        if o["municipality"]:
            found = Municipality.objects.filter(code=o["municipality"]).first()
            if found is None:
                raise CommandError(f"No municipality with code {o['municipality']!r}.")
            return found
        if o["user"]:
            user = User.objects.filter(username=o["user"]).select_related("municipality").first()
            if user is not None and user.municipality is not None:
                return user.municipality
        municipalities = list(Municipality.objects.all()[:2])
        if len(municipalities) != 1:
            raise CommandError("Give --municipality CODE (there is not exactly one).")
        return municipalities[0]
