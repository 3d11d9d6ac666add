"""Rate limits: how many requests one key may make per window, counted in Django's cache.

One small function for every caller (the JSON API's token authentication, the token and
calendar-feed pages, the calendar feed, the FHIR endpoint)::

    wait = hit(f"api-token:{token_hash}", limit=600, window=60)
    if wait is not None:
        raise RateLimited(wait)  # the API answers 429 with "Retry-After: <wait>"

``hit`` counts one request for ``key`` and answers ``None`` while the count in the current
window is at most ``limit``, else the whole seconds until the window ends (for ``Retry-After``).
``peek`` answers the same without counting, for "is this address already blocked?" before doing
any work. A ``limit`` of 0 or less switches the limit off (always ``None``): the settings use
that, and the test suite switches every limit off except in the tests of the limits themselves.

The windows are fixed (12:00:00–12:00:59, 12:01:00–…), not sliding: simple, cheap (one
``add`` and one ``incr``), and the answer to "when may I try again" is exact. The price is that
a client may send up to twice the limit across a window boundary, which these limits tolerate.

The counters live in the default cache. With the default local-memory cache they are per
process: several worker processes each count on their own, so the effective limit is the limit
times the number of processes. A shared cache (Redis, Memcached) makes it exact. Keys are hashed,
so any text (an IPv6 address, a token hash) is a valid key for every cache backend.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

KEY_PREFIX = "forlob:ratelimit:"
# Failed credentials are counted per minute (FORLOB_API_AUTH_FAILURE_LIMIT).
FAILURE_WINDOW_SECONDS = 60


class RateLimited(Exception):
    """Raise when ``hit`` or ``peek`` refused; ``retry_after`` is whole seconds (at least 1)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limited, retry after {retry_after} s")
        self.retry_after = retry_after


def _window(key: str, window: int, now: float) -> tuple[str, int]:
    """The cache key of the current window and the whole seconds until that window ends."""
    index = math.floor(now / window)
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    remaining = max(1, math.ceil((index + 1) * window - now))
    return f"{KEY_PREFIX}{digest}:{window}:{index}", remaining


def hit(key: str, *, limit: int, window: int) -> int | None:
    """Count one request for ``key``: ``None`` if it is within ``limit`` requests per
    ``window`` seconds, else the seconds to wait before the next one is allowed.

    ``key`` names what is limited, with a prefix of the caller's own (``"api-token:<hash>"``,
    ``"api-auth-failure:<address>"``). Refused requests count too (they cannot extend a fixed
    window). ``limit <= 0``: no limit.
    """
    if limit <= 0:
        return None
    if window <= 0:
        raise ValueError("window must be a positive number of seconds")
    cache_key, remaining = _window(key, window, time.time())
    # add() is a no-op when the key exists; incr() is atomic in every shared cache backend.
    cache.add(cache_key, 0, timeout=window + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.set(cache_key, 1, timeout=window + 1)
        count = 1
    return None if count <= limit else remaining


def peek(key: str, *, limit: int, window: int) -> int | None:
    """Like ``hit`` without counting: ``None`` if one more request would still be allowed, else
    the seconds to wait. For checks before any work, e.g. an address blocked after failures."""
    if limit <= 0:
        return None
    if window <= 0:
        raise ValueError("window must be a positive number of seconds")
    cache_key, remaining = _window(key, window, time.time())
    return None if cache.get(cache_key, 0) < limit else remaining


def client_address(request: HttpRequest) -> str:
    """The address limits per client use: ``REMOTE_ADDR`` only, as the login lockout does (an
    ``X-Forwarded-For`` header can be forged; behind a proxy the WSGI server sets it)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _failure_key(request: HttpRequest) -> str:
    return "credential-failure:" + client_address(request)


def failed_credentials_wait(request: HttpRequest) -> int | None:
    """Seconds the request's client address must wait after too many failed credentials (unknown
    API tokens, unknown calendar-feed addresses: one count for all kinds of secret), else None.
    Check it before looking at the credential; count each failure with ``count_failed_credential``.
    """
    return peek(
        _failure_key(request),
        limit=settings.FORLOB_API_AUTH_FAILURE_LIMIT,
        window=FAILURE_WINDOW_SECONDS,
    )


def count_failed_credential(request: HttpRequest) -> None:
    hit(
        _failure_key(request),
        limit=settings.FORLOB_API_AUTH_FAILURE_LIMIT,
        window=FAILURE_WINDOW_SECONDS,
    )
