"""The measures section of the pathway page: before/after per instrument and the record grid."""

from __future__ import annotations

from django.http import HttpRequest

from forlob.access.policy import Action, can
from forlob.core.panels import Panel
from forlob.measures import selectors
from forlob.pathways.models import Pathway, PathwayStatus


def pathway_panel(request: HttpRequest, pathway: Pathway) -> Panel | None:
    """Shown to everyone who may view the citizen; the record links only to those who may edit.

    The pathway page has fetched (and audited) the pathway already.
    """
    if not can(request.user, Action.VIEW_CITIZEN):
        return None
    return Panel(
        template="measures/panel.html",
        context={
            "pathway": pathway,
            "before_after": selectors.before_after(pathway),
            "grid": selectors.record_grid(pathway),
            "records": list(selectors.records_for(pathway)),
            "may_record": can(request.user, Action.EDIT_PLAN)
            and pathway.status != PathwayStatus.CANCELLED,
        },
        order=50,
    )
