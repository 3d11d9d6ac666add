"""The everyday-rehabilitation sections of the citizen page and the pathway page.

The page has already fetched (and audited) the citizen or the pathway through the access layer;
these panels narrow further by role: a provider's staff see only their provider's cases and only
the plan side (never the assessor's notes, the shadow assessment or the economics).
"""

from __future__ import annotations

from django.http import HttpRequest

from forlob.citizens.models import Citizen
from forlob.core.panels import Panel
from forlob.homecare import selectors
from forlob.homecare.access import cases_for, may_see_assessment
from forlob.pathways.models import Pathway


def citizen_panel(request: HttpRequest, citizen: Citizen) -> Panel | None:
    cases = selectors.citizen_cases(actor=request.user, citizen_id=citizen.pk)
    if not cases:
        return None
    return Panel(
        "homecare/panels/citizen.html",
        {"cases": cases, "municipal": may_see_assessment(request.user)},
        order=40,
    )


def pathway_panel(request: HttpRequest, pathway: Pathway) -> Panel | None:
    case = (
        cases_for(request.user)
        .filter(pathway_id=pathway.pk)
        .select_related("provider", "assessment", "grant", "start_meeting")
        .first()
    )
    if case is None:
        return None
    municipal = may_see_assessment(request.user)
    return Panel(
        "homecare/panels/pathway.html",
        {
            "case": case,
            "municipal": municipal,
            "economics": selectors.case_economics(case) if municipal else None,
            "goals": case.goals.count(),
        },
        order=10,
    )
