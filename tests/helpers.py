"""Small helpers shared by the tests (times in Copenhagen, translated messages, counting rows)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db.models import Model
from django.utils import translation

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
UTC = ZoneInfo("UTC")

# The moment most tests live in: Monday 1 June 2026, 07:00 in Copenhagen (CEST, UTC+2), before
# the therapists' working day (08–16) begins. Fixed, so no test depends on when CI runs it.
NOW = datetime(2026, 6, 1, 7, 0, tzinfo=COPENHAGEN)
TODAY = NOW.date()


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0, *, fold: int = 0) -> datetime:
    """An aware datetime on the Copenhagen wall clock."""
    return datetime(y, m, d, hh, mm, tzinfo=COPENHAGEN, fold=fold)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=COPENHAGEN)


def tr(message: object) -> str:
    """A message as the app shows it (Danish when the catalogue is compiled, else English).

    Services translate their message constants with ``gettext``; comparing against ``tr(CONST)``
    keeps the tests independent of whether the .mo file has been built.
    """
    with translation.override("da"):
        return str(translation.gettext(str(message)) if isinstance(message, str) else message)


def counts(*models: type[Model]) -> dict[str, int]:
    """Row counts of ``models``; compare before and after a refused write: nothing saved."""
    return {m.__name__: m._default_manager.count() for m in models}


_URL_ATTR = re.compile(r"""(?:href|action|src|hx-get|hx-post|formaction)\s*=\s*["']([^"']*)["']""")


def urls_in(html: str) -> list[str]:
    """Every URL the page links to, posts to or loads."""
    return _URL_ATTR.findall(html)


def form_errors(response: object, name: str = "form") -> dict[str, list[str]]:
    """The errors of a form in a response's context, as plain strings in Danish."""
    form = response.context[name]  # type: ignore[attr-defined]
    with translation.override("da"):
        return {field: [str(e) for e in errors] for field, errors in form.errors.items()}


def flatten(values: Iterable[Iterable[str]]) -> list[str]:
    return [v for vs in values for v in vs]


def flash(response: object) -> list[str]:
    """The messages ("Saved", errors) a response put in the user's session."""
    from django.contrib.messages import get_messages

    return [str(m) for m in get_messages(response.wsgi_request)]  # type: ignore[attr-defined]
