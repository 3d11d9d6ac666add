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
    if Action.VIEW_CITIZEN in actions:
        items += [
            (reverse("referrals:inbox"), _("Intake inbox")),
            (reverse("citizens:search"), _("Citizens")),
            (reverse("scheduling:day"), _("Calendar")),
        ]
    if Action.REGISTER_REFERRAL in actions:
        items.append((reverse("referrals:create"), _("New referral")))
    if Action.ADMINISTER in actions:
        items.append((reverse("audit:log"), _("Access log")))
    if Action.ADMINISTER in actions or user.is_staff:
        items.append((reverse("admin:index"), _("Administration")))
    if actions:  # someone the API would refuse everything needs no token
        items.append((reverse("api_tokens"), _("API tokens")))
    path = request.path
    return {
        "nav_items": [
            {
                "url": url,
                "label": label,
                "active": path == url or (url != "/" and path.startswith(url)),
            }
            for url, label in items
        ],
        "user_actions": {a.value for a in actions},
    }
