"""The "Classes" section on the citizen page."""

from __future__ import annotations

from django.http import HttpRequest

from forlob.access.policy import Action, can
from forlob.citizens.models import Citizen
from forlob.core.panels import Panel
from forlob.programmes.selectors import citizen_enrolments, progress_for


def citizen_panel(request: HttpRequest, citizen: Citizen) -> Panel | None:
    """The citizen's classes with attendance and flags (the page has checked access already)."""
    if not can(request.user, Action.VIEW_CITIZEN):
        return None
    enrolments = citizen_enrolments(citizen.pk)
    if not enrolments:
        return None
    progress = progress_for(enrolments)
    return Panel(
        "programmes/panel_citizen.html",
        {"rows": [progress[e.pk] for e in enrolments]},
        order=40,
    )
