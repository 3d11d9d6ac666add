"""Sections that other apps add to the citizen page and the pathway page.

The citizen page belongs to ``citizens`` and the pathway page to ``pathways``; measures,
programmes, questionnaires, reminders and everyday rehabilitation each show a section there
without those apps importing them. An app registers a panel function in its
``AppConfig.ready()``; the page calls every registered function with the request and the object
the page has *already* fetched through the access layer, and includes the returned template.

A panel function returns ``None`` to show nothing (no data, or the user's role may not see it).
Panel functions read through selectors; any extra citizen data they show is covered by the
page's own audit entry, which names the citizen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100  # lower first


PanelSource = Callable[[HttpRequest, Any], Panel | None]

_sources: dict[str, list[PanelSource]] = {"citizen": [], "pathway": []}


def register(page: str, source: PanelSource) -> None:
    """Add ``source`` to ``page`` ("citizen" or "pathway"); registering twice is harmless."""
    if source not in _sources[page]:
        _sources[page].append(source)


def panels_for(page: str, request: HttpRequest, obj: Any) -> list[Panel]:
    found = [panel for source in _sources[page] if (panel := source(request, obj)) is not None]
    return sorted(found, key=lambda p: p.order)
