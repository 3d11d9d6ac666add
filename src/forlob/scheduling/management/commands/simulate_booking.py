"""``forlob simulate-booking``: replay the past weeks' GOPs through first come, first served
and through the optimiser, print the shares offered within 7 days, and keep the result for the
capacity page (``scheduling/simulation.py`` says what is replayed and how)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from forlob.core.models import Municipality
from forlob.scheduling.simulation import DEFAULT_WEEKS, Replay, replay, simulation_run_save


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:5.1f} %"


class Command(BaseCommand):
    help = (
        "Replay the past weeks' re-training plans (GOP) through first come, first served and "
        "through the booking optimiser; print the share offered within 7 days under each."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--weeks",
            type=int,
            default=DEFAULT_WEEKS,
            help=f"How many whole weeks before this one to replay (default {DEFAULT_WEEKS}).",
        )
        parser.add_argument(
            "--municipality",
            default="",
            help="Municipality code (e.g. 730); needed when the database has more than one.",
        )
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="Replay the weeks before this day's week (YYYY-MM-DD; default: today).",
        )
        parser.add_argument(
            "--no-save",
            action="store_true",
            help="Only print; do not keep the result for the capacity page.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from django.utils import timezone

        weeks = options["weeks"]
        if not 1 <= weeks <= 104:
            raise CommandError("--weeks must be between 1 and 104.")
        municipality = self.municipality(options["municipality"])
        today = options["today"] or timezone.localdate()
        result = replay(municipality=municipality, today=today, weeks=weeks)
        self.print_table(result)
        if not options["no_save"]:
            simulation_run_save(municipality=municipality, weeks=weeks, result=result)

    def municipality(self, code: str) -> Municipality:
        if code:
            found = Municipality.objects.filter(code=code).first()
            if found is None:
                raise CommandError(f"No municipality with code {code!r}.")
            return found
        all_ = list(Municipality.objects.all()[:2])
        if len(all_) != 1:
            raise CommandError(
                "No municipality in the database."
                if not all_
                else "More than one municipality: choose one with --municipality CODE."
            )
        return all_[0]

    def print_table(self, result: Replay) -> None:
        out = self.stdout.write
        out(f"{'week':<10} {'from':<10} {'GOPs':>5} {'actual':>7} {'FCFS':>7} {'optimiser':>9}")
        for w in result.weeks:
            iso = w.monday.isocalendar()
            out(
                f"{iso.year}-W{iso.week:02d}  {w.monday:%d.%m.%y} {w.referrals:>5} "
                f"{w.actual:>7} {w.greedy:>7} {w.optimiser:>9}"
            )
        n = result.total("referrals")
        out(
            f"{'total':<21} {n:>5} {result.total('actual'):>7} "
            f"{result.total('greedy'):>7} {result.total('optimiser'):>9}"
        )
        out("")
        weeks = len(result.weeks)
        out(f"Offered a first time within 7 days of discharge ({n} GOPs, {weeks} weeks):")
        out(f"  as it happened            {_pct(result.share('actual'))}")
        out(f"  first come, first served  {_pct(result.share('greedy'))}")
        out(f"  optimiser                 {_pct(result.share('optimiser'))}")
        out(f"  at most possible          {_pct(result.share('bound'))}")
        solver = ", ".join(f"{k} {v:.1f} s" for k, v in sorted(result.solver_seconds.items()))
        out(self.style.SUCCESS(f"Replayed in {result.seconds:.1f} s ({solver or 'no GOPs'})."))
