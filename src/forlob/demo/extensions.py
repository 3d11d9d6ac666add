"""Demo data of the later apps, added after the core municipality is written.

Each entry is the dotted path of a function ``extend(b) -> dict[str, int]`` that receives the
demo builder (``generator._Builder``: ``b.rng``, ``b.today``, ``b.users``, ``b.teams``,
``b.locations``, ``b.citizens``, ``b.pathways``, ``b.appointments`` …, all saved) and returns
counts for the summary. They run inside the same transaction, in this order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.utils.module_loading import import_string

EXTENSIONS: tuple[str, ...] = (
    "forlob.demo.measures.extend",
    "forlob.demo.questionnaires.extend",
    "forlob.demo.programmes.extend",  # before notifications: class sessions get reminders
    "forlob.demo.notifications.extend",
    "forlob.demo.homecare.extend",
    "forlob.demo.cluster.extend",  # draws its own generator from b.rng
    "forlob.demo.fhir.extend",  # the hospital's system account and its demo token
)


def extensions() -> Iterator[tuple[str, Callable[[Any], dict[str, int]]]]:
    for path in EXTENSIONS:
        yield path, import_string(path)
