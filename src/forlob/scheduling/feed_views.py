"""The calendar feed: the page where a user makes or stops their address, and the feed itself.

``/calendar/feed/<token>.ics`` is reached without login (Outlook and Google fetch it from their
own servers), so the token is the whole guard:

* An unknown token answers 404 and counts as a failed credential against the client address,
  together with failed API tokens (``FORLOB_API_AUTH_FAILURE_LIMIT`` per minute); an address
  over that limit gets 429 for every feed until the minute ends. A *revoked* token (or one whose
  user was deactivated or lost the calendar) answers the same 404 without counting: Outlook and
  Google keep polling an address the user forgot to remove, from addresses shared by many
  customers, and those polls must not lock everyone else out.
* One feed may be fetched ``FORLOB_CALENDAR_FEED_LIMIT`` times an hour (429 after that).
* Never stored by a shared cache, never indexed.
* Every fetch is audited as one read by the feed's owner (``calendar_feed``). No citizen is named
  in the feed (``scheduling/ical.py``), so, as the day calendar does for the times of citizens it
  does not name, it writes no per-citizen read row; one per appointment on every poll (Outlook
  polls every few hours) would bury each citizen's insight report in entries that show nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from forlob.access.models import AccessLog
from forlob.access.services import audit_record
from forlob.core import ratelimit
from forlob.core.forms import first_error
from forlob.core.token_views import (
    count_creation,
    creation_limited,
    too_many_message,
    too_many_new,
)
from forlob.scheduling.feeds import (
    calendar_feed_create,
    calendar_feed_for_token,
    calendar_feed_of,
    calendar_feed_revoke,
    may_have_feed,
)
from forlob.scheduling.ical import WINDOW_AHEAD, WINDOW_PAST, staff_feed

FEED_WINDOW_SECONDS = 3600


def _private(response: HttpResponse) -> HttpResponse:
    """No copy in a browser's or a proxy's cache, no search engine."""
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _page(request: HttpRequest, *, new_url: str = "", status: int = 200) -> HttpResponse:
    return _private(
        render(
            request,
            "scheduling/feed.html",
            {
                "feed": calendar_feed_of(user=request.user),
                "new_url": new_url,
                "webcal_url": "webcal://" + new_url.split("://", 1)[1] if new_url else "",
                "days_past": WINDOW_PAST.days,
                "days_ahead": WINDOW_AHEAD.days,
            },
            status=status,
        )
    )


def _require_calendar(request: HttpRequest) -> None:
    if not may_have_feed(request.user):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def feed_settings(request: HttpRequest) -> HttpResponse:
    """Make (or replace) and show the user's own feed address; the address is shown only once."""
    _require_calendar(request)
    if request.method == "GET":
        return _page(request)
    wait = creation_limited(request, "calendar-feed")
    if wait is not None:
        messages.error(request, too_many_message(wait))
        return too_many_new(_page(request), wait)
    try:
        new = calendar_feed_create(user=request.user)
    except ValidationError as exc:
        messages.error(request, first_error(exc))
        return _page(request, status=422)
    count_creation(request, "calendar-feed")
    url = request.build_absolute_uri(reverse("scheduling:feed_ics", kwargs={"token": new.secret}))
    # Rendered, not redirected: the address exists only in this one response.
    return _page(request, new_url=url)


@require_POST
def feed_revoke(request: HttpRequest) -> HttpResponse:
    _require_calendar(request)
    if calendar_feed_revoke(user=request.user):
        messages.success(request, _("Your calendar address has been stopped."))
    return redirect("scheduling:feed")


def _too_many(wait: int) -> HttpResponse:
    response = HttpResponse(
        _("Too many requests. Try again in %(seconds)d seconds.") % {"seconds": wait},
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(wait)
    return _private(response)


@login_not_required
@require_safe
def feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The user's calendar as ``text/calendar``; 404 for an unknown or stopped address."""
    wait = ratelimit.failed_credentials_wait(request)
    if wait is not None:
        return _too_many(wait)
    found = calendar_feed_for_token(token)
    if found.feed is None:
        if not found.known:
            ratelimit.count_failed_credential(request)
        raise Http404
    feed = found.feed
    wait = ratelimit.hit(
        f"calendar-feed:{feed.pk}",
        limit=settings.FORLOB_CALENDAR_FEED_LIMIT,
        window=FEED_WINDOW_SECONDS,
    )
    if wait is not None:
        return _too_many(wait)
    base_url = request.build_absolute_uri("/").rstrip("/")
    content = staff_feed(staff=feed.user, base_url=base_url)
    # Written before the answer leaves: no feed without its audit row.
    audit_record(actor=feed.user, kind=AccessLog.Kind.READ, operation="calendar_feed", obj=feed)
    response = HttpResponse(content.ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="forlob.ics"'
    return _private(response)
