"""``forlob seed-demo``: fill an empty database with the synthetic demo municipality.

``make run`` calls it with ``--if-empty`` and relies on the table of demo logins it prints at the
end, whether or not it generated anything.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from forlob.core.models import ApiToken, Municipality, User
from forlob.core.tokens import hash_secret
from forlob.demo.fhir import DEMO_TOKEN
from forlob.demo.generator import DEMO_LOGINS, PASSWORD, DemoAlreadyExists, DemoSummary, generate


class Command(BaseCommand):
    help = "Generate the synthetic demo municipality (Randers Kommune) with a year of history."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (but print the demo logins) if the database has a municipality.",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Volume factor; 1.0 is a year at Randers' volumes (default 1.0).",
        )
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="The day the history ends (YYYY-MM-DD; default: today).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"]:
            existing = Municipality.objects.count()
            if existing:
                self.stdout.write(
                    f"The database already has data ({existing} "
                    f"{'municipality' if existing == 1 else 'municipalities'}); "
                    "demo data not generated."
                )
                self.print_logins()
                return
        if not 0 < options["scale"] <= 10:
            raise CommandError("--scale must be above 0 and at most 10.")
        self.stdout.write("Generating the demo municipality ...")
        try:
            summary = generate(
                seed=options["seed"],
                today=options["today"],
                scale=options["scale"],
                stdout=self.stdout if options["verbosity"] >= 2 else None,
            )
        except DemoAlreadyExists as exc:
            raise CommandError(
                f"{exc}. Use --if-empty to skip, or start from an empty database."
            ) from None
        self.print_summary(summary)
        self.print_logins()

    def print_summary(self, s: DemoSummary) -> None:
        c = s.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"Randers Kommune generated in {s.seconds:.1f} s "
                f"(seed {s.seed}, scale {s.scale:g}, history ending {s.today:%Y-%m-%d})."
            )
        )
        self.stdout.write(
            f"  {c['staff']} staff, {c['citizens']:,} citizens, {c['referrals']:,} referrals, "
            f"{c['pathways']:,} pathways, {c['appointments']:,} appointments "
            f"({s.future_appointments:,} booked ahead), {c['absences']:,} absences"
        )
        share = "n/a" if s.gop_within_deadline is None else f"{s.gop_within_deadline:.0%}"
        self.stdout.write(
            f"  Inbox: {s.inbox} new referrals, {s.inbox_overdue} past their deadline. "
            f"GOPs offered a first time within 7 days of discharge: {share}."
        )
        statuses = ", ".join(f"{k} {v:,}" for k, v in s.pathways_by_status.items())
        self.stdout.write(f"  Pathways: {statuses}")

    def print_logins(self) -> None:
        present = set(
            User.objects.filter(username__in=[d.username for d in DEMO_LOGINS]).values_list(
                "username", flat=True
            )
        )
        rows = [("username", "role", "password", "")] + [
            (d.username, d.role, d.password, d.who) for d in DEMO_LOGINS
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        self.stdout.write("")
        self.stdout.write(f"Demo logins (the same password for all: {PASSWORD}):")
        for n, row in enumerate(rows):
            line = "  " + "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True))
            self.stdout.write(
                self.style.MIGRATE_HEADING(line.rstrip()) if n == 0 else line.rstrip()
            )
        if not present:
            self.stdout.write(self.style.WARNING("  (none of these users exists in this database)"))
        if ApiToken.objects.filter(token_hash=hash_secret(DEMO_TOKEN)).exists():
            self.stdout.write(
                f"Demo FHIR token of Regionshospitalet Randers' system: {DEMO_TOKEN}\n"
                f'  e.g. curl -H "Authorization: Bearer {DEMO_TOKEN}" '
                "http://127.0.0.1:8000/fhir/ServiceRequest"
            )
