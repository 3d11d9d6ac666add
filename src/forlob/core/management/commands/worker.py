"""`forlob worker`: the background worker. Runs queued tasks and the periodic jobs.

Each tick: run the periodic jobs that are due (``core.periodic``), then every task waiting in
the database queue (django-tasks-db's ``db_worker --batch``), then sleep. ``--once`` does a
single tick and exits (used by tests and cron-style setups).
"""

from __future__ import annotations

import signal
import time
from types import FrameType
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from forlob.core import periodic


class Command(BaseCommand):
    help = "Run background tasks (reminders, reports, imports) and periodic jobs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="One tick, then exit.")
        parser.add_argument(
            "--interval",
            type=float,
            default=2.0,
            help="Seconds between polls of the task queue (default 2).",
        )

    def handle(self, *args: Any, once: bool = False, interval: float = 2.0, **options: Any) -> None:
        self._stop = False

        def stop(signum: int, frame: FrameType | None) -> None:
            self._stop = True

        if not once:
            signal.signal(signal.SIGINT, stop)
            signal.signal(signal.SIGTERM, stop)
            self.stdout.write(
                f"Worker started: {len(periodic.jobs())} periodic jobs, queue polled every "
                f"{interval:g} s. Stop with Ctrl+C."
            )
        while True:
            periodic.run_due()
            call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
            if once or self._stop:
                return
            time.sleep(interval)
            if self._stop:
                return
