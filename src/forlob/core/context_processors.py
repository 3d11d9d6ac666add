"""Navigation shown in the page header, by what the user may do."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from forlob.access.policy import Action, actions_for


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    actions = actions_for(user)
    items = [(reverse("home"), _("Overview"))]
    if Action.VIEW_RECORD in actions:
        items += [
            (reverse("referrals:inbox"), _("Intake inbox")),
            (reverse("citizens:search"), _("Citizens")),
            (reverse("scheduling:day"), _("Calendar")),
            (reverse("programmes:class_list"), _("Classes")),
            (reverse("notifications:failed"), _("Reminders")),
        ]
    if Action.REGISTER_REFERRAL in actions:
        items.append((reverse("referrals:create"), _("New referral")))
    if Action.VIEW_CITIZEN in actions:  # homecare: worklist; figures are linked from it
        items.append((reverse("homecare:index"), _("Everyday rehabilitation")))
    if user.provider_id is not None and Action.VIEW_CITIZEN in actions:
        items.append((reverse("homecare:driving_list"), _("Driving list")))
    elif Action.VIEW_AGGREGATES in actions and Action.VIEW_CITIZEN not in actions:
        items.append((reverse("homecare:figures"), _("Everyday rehabilitation figures")))
    if Action.VIEW_AGGREGATES in actions:
        items.append((reverse("monitoring:dashboard"), _("Management information")))
        items.append((reverse("scheduling:capacity"), _("Capacity")))
        items.append((reverse("questionnaires:tracking"), _("Questionnaire responses")))
        items.append((reverse("cluster:overview"), _("Cluster data")))
        items.append((reverse("monitoring:evaluation"), _("Evaluation")))
    if Action.ADMINISTER in actions or Action.MANAGE_CAPACITY in actions:
        # Bulk import (staff, calendars; referrals for coordinators). Others who may import
        # referrals reach it from /import/ without a menu entry.
        items.append((reverse("imports:index"), _("Import")))
    if Action.ADMINISTER in actions:
        items.append((reverse("questionnaires:list"), _("Questionnaires")))
    if Action.ADMINISTER in actions:
        items.append((reverse("audit:log"), _("Access log")))
    if Action.ADMINISTER in actions or user.is_staff:
        items.append((reverse("admin:index"), _("Administration")))
    if actions:  # someone the API would refuse everything needs no token
        items.append((reverse("api_tokens"), _("API tokens")))
    path = request.path
    # The longest matching link is the active one (/calendar/capacity/ is "Capacity", not also
    # "Calendar").
    matches = [url for url, _label in items if path == url or (url != "/" and path.startswith(url))]
    active = max(matches, key=len, default=None)
    return {
        "nav_items": [
            {"url": url, "label": label, "active": url == active} for url, label in items
        ],
        "user_actions": {a.value for a in actions},
    }
