"""Private calendar-feed addresses: making, replacing, revoking and recognising them.

The secret part of ``/calendar/feed/<token>.ics`` is 256 random bits, returned once from
``calendar_feed_create``; after that only its SHA-256 hash exists (as with API tokens,
``core/tokens.py``). A user has at most one live address: a new one revokes the old.

A feed works only while its user is active and may see calendars (``VIEW_RECORD``, as the day
calendar asks), so deactivating a user or taking away the care role stops it at once.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forlob.access.policy import Action, can
from forlob.core.models import User
from forlob.core.tokens import hash_secret
from forlob.scheduling.models import CalendarFeed

logger = logging.getLogger(__name__)

PREFIX_LENGTH = 6
# What token_urlsafe(32) makes (43 characters); anything else is not worth a query.
TOKEN_PATTERN = r"[A-Za-z0-9_-]{40,64}"  # noqa: S105 (a pattern, not a secret)
_TOKEN = re.compile(TOKEN_PATTERN)
# As for API tokens: last_used_at once a minute is precise enough and spares a write per fetch.
LAST_USED_RESOLUTION = timedelta(minutes=1)

MESSAGE_NO_CALENDAR = gettext_noop("Only staff with a calendar in Forløb can have a calendar feed.")


@dataclass(frozen=True)
class NewFeed:
    feed: CalendarFeed
    secret: str  # goes into the address shown once; never stored, never logged


@dataclass(frozen=True)
class FeedLookup:
    feed: CalendarFeed | None  # a feed that works, or None
    known: bool  # the token was issued once (revoked, or its user may no longer use it)


def may_have_feed(user: User) -> bool:
    return user.is_active and can(user, Action.VIEW_RECORD)


@transaction.atomic
def calendar_feed_create(*, user: User, now: datetime | None = None) -> NewFeed:
    """A new feed address for ``user``; the one they had stops working. Returns the secret."""
    if not may_have_feed(user):
        raise ValidationError(_(MESSAGE_NO_CALENDAR), code="no_calendar")
    now = now or timezone.now()
    # Lock the user's row so two presses at once cannot leave two live feeds.
    User.objects.select_for_update().filter(pk=user.pk).first()
    CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    secret = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(
        user=user, prefix=secret[:PREFIX_LENGTH], token_hash=hash_secret(secret)
    )
    logger.info("Calendar feed %s (%s…) created for user %s", feed.pk, feed.prefix, user.pk)
    return NewFeed(feed=feed, secret=secret)


@transaction.atomic
def calendar_feed_revoke(*, user: User, now: datetime | None = None) -> int:
    """Stop ``user``'s feed address (idempotent); the number of feeds revoked (0 or 1)."""
    revoked = CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now()
    )
    if revoked:
        logger.info("Calendar feed of user %s revoked", user.pk)
    return revoked


def calendar_feed_of(*, user: User) -> CalendarFeed | None:
    """``user``'s live feed, if any."""
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


def calendar_feed_for_token(token: str, *, now: datetime | None = None) -> FeedLookup:
    """The working feed a token from an address belongs to (and note its use), or why not."""
    if not _TOKEN.fullmatch(token):
        return FeedLookup(feed=None, known=False)
    feed = CalendarFeed.objects.select_related("user").filter(token_hash=hash_secret(token)).first()
    if feed is None:
        return FeedLookup(feed=None, known=False)
    if feed.revoked_at is not None or not may_have_feed(feed.user):
        return FeedLookup(feed=None, known=True)
    now = now or timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at >= LAST_USED_RESOLUTION:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
        feed.last_used_at = now
    return FeedLookup(feed=feed, known=True)
