"""Personal API tokens: making, revoking and recognising them.

One place for the rules, used by the token page, the ``forlob create-api-token`` command and the
API's Bearer authentication. The secret is returned once, from ``api_token_create``; after that
only its SHA-256 hash exists.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forlob.core.models import ApiToken, User

logger = logging.getLogger(__name__)

# "flb_" marks a Forløb token, so a secret scanner (or a person) recognises one in a leaked file.
TOKEN_MARK = "flb_"  # noqa: S105 (a label, not a secret)
PREFIX_LENGTH = len(TOKEN_MARK) + 6
MAX_DAYS = 3650
# Writing last_used_at on every request would turn every API read into a database write (and on
# SQLite take the write lock); once a minute is precise enough to see whether a token is in use.
LAST_USED_RESOLUTION = timedelta(minutes=1)

MESSAGE_NAME_REQUIRED = gettext_noop("Give the token a name, e.g. the integration that uses it.")
MESSAGE_DAYS = gettext_noop("A token must expire after between 1 and %(max)d days.")
MESSAGE_INACTIVE = gettext_noop("An inactive user cannot have API tokens.")


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown to the user once; never stored, never logged


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str, days: int, now: datetime | None = None) -> NewToken:
    """Make a token for ``user`` that expires after ``days`` days; return it with its secret."""
    name = name.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _(MESSAGE_NAME_REQUIRED)
    if not 1 <= days <= MAX_DAYS:
        errors["days"] = _(MESSAGE_DAYS) % {"max": MAX_DAYS}
    if not user.is_active:
        errors["user"] = _(MESSAGE_INACTIVE)
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    secret = TOKEN_MARK + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=secret[:PREFIX_LENGTH],
        token_hash=hash_secret(secret),
        expires_at=now + timedelta(days=days),
    )
    logger.info("API token %s (%s…) created for user %s", token.pk, token.prefix, user.pk)
    return NewToken(token=token, secret=secret)


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int, now: datetime | None = None) -> ApiToken:
    """Revoke one of ``user``'s own tokens (idempotent). Someone else's token: DoesNotExist."""
    token = ApiToken.objects.select_for_update().get(pk=token_id, user=user)
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.save(update_fields=["revoked_at"])
        logger.info("API token %s (%s…) revoked", token.pk, token.prefix)
    return token


def api_tokens_of(*, user: User) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user))


def api_token_user(secret: str, *, now: datetime | None = None) -> User | None:
    """The active user a presented secret belongs to, or None (unknown, expired, revoked)."""
    if not secret.startswith(TOKEN_MARK) or len(secret) > 200:
        return None
    now = now or timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(
            token_hash=hash_secret(secret),
            revoked_at__isnull=True,
            expires_at__gt=now,
            user__is_active=True,
        )
        .first()
    )
    if token is None:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_is_active(token: ApiToken, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return token.revoked_at is None and token.expires_at > now
