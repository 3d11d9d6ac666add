"""Jobs the worker runs on a timer (e.g. planning due reminders), registered by the apps.

Django's task framework runs queued work but has no scheduler; ``forlob worker`` calls
``run_due`` on every tick, and each job decides itself what is due (jobs must be idempotent:
running one twice in a row, or after a restart, must not do the work twice).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass
class PeriodicJob:
    name: str
    every_seconds: int
    run: Callable[[], object]
    last_run: float | None = None


_jobs: dict[str, PeriodicJob] = {}


def register(name: str, every_seconds: int, run: Callable[[], object]) -> None:
    _jobs.setdefault(name, PeriodicJob(name, every_seconds, run))


def jobs() -> list[PeriodicJob]:
    return list(_jobs.values())


def run_due(now: float | None = None) -> list[str]:
    """Run every job whose interval has passed; return the names run. A failing job is logged
    and retried on the next tick, it never stops the others or the worker."""
    now = time.monotonic() if now is None else now
    ran = []
    for job in _jobs.values():
        if job.last_run is not None and now - job.last_run < job.every_seconds:
            continue
        job.last_run = now
        try:
            job.run()
        except Exception:
            log.exception("periodic job %s failed", job.name)
        ran.append(job.name)
    return ran
