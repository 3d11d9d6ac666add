"""What every API router shares: authentication, JSON errors in Danish, input types.

Two ways in, tried in this order:

* ``Authorization: Bearer <token>`` with a personal API token (``core/tokens.py``), for scripts
  and integrations. No CSRF check: a browser never adds that header by itself.
* The browser session of a logged-in user, for the docs page and small scripts in the page.
  Unsafe methods then need the CSRF token (``X-CSRFToken`` header), as every form does, and
  where two-factor login is required the session must have passed it.

Errors are always JSON ``{"detail": "...", "code": "..."}`` with a Danish ``detail``; a 422 adds
``fields`` (field name → Danish messages). Denials come from the access layer unchanged: 404
for "not yours or not there", 403 for "yours to see, not to change". Unknown paths (404) and
wrong methods (405, with ``Allow``) answer the same way (``json_not_found``,
``with_json_method_not_allowed``, wired in ``forlob/api.py``).

Rate limits (``core/ratelimit.py``): every request with a valid token counts against that token
(``FORLOB_API_RATE_LIMIT`` per minute); every unknown, expired or revoked token counts against
the client address (``FORLOB_API_AUTH_FAILURE_LIMIT`` per minute), and an address over that
limit gets 429 for every token until the minute ends, so tokens cannot be tried at speed. Over a
limit: 429 ``{"code": "rate_limited"}`` with ``Retry-After`` in seconds.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Field, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf
from pydantic import AfterValidator

from forlob.core import ratelimit
from forlob.core.models import User
from forlob.core.ratelimit import RateLimited
from forlob.core.tokens import api_token_user, hash_secret

if TYPE_CHECKING:
    from ninja import NinjaAPI

    from forlob.citizens.models import Citizen

MESSAGE_UNAUTHENTICATED = gettext_noop(
    "Log in, or send a personal API token as “Authorization: Bearer <token>”."
)
MESSAGE_NOT_FOUND = gettext_noop("Not found.")
MESSAGE_FORBIDDEN = gettext_noop("You may not do this.")
MESSAGE_CSRF = gettext_noop("The CSRF check failed. Send the X-CSRFToken header, or use a token.")
MESSAGE_BAD_BODY = gettext_noop("The request body is not valid JSON.")
MESSAGE_INVALID = gettext_noop("The request has errors; see fields.")
MESSAGE_HTTP_ERROR = gettext_noop("The request could not be handled.")
MESSAGE_RATE_LIMITED = gettext_noop("Too many requests. Try again in %(seconds)d seconds.")
MESSAGE_METHOD_NOT_ALLOWED = gettext_noop(
    "The method %(method)s is not allowed here; allowed: %(allowed)s."
)

MESSAGE_REQUIRED = gettext_noop("This field is required.")
MESSAGE_TOO_LONG = gettext_noop("Write at most %(max)d characters.")
MESSAGE_TOO_SHORT = gettext_noop("Write at least %(min)d characters.")
MESSAGE_WHOLE_NUMBER = gettext_noop("Enter a whole number.")
MESSAGE_AT_LEAST = gettext_noop("The value must be at least %(limit)s.")
MESSAGE_AT_MOST = gettext_noop("The value must be at most %(limit)s.")
MESSAGE_DATE = gettext_noop("Enter a valid date (YYYY-MM-DD).")
MESSAGE_DATETIME = gettext_noop("Enter a valid date and time (YYYY-MM-DDTHH:MM).")
MESSAGE_CHOICE = gettext_noop("Choose one of the allowed values.")
MESSAGE_FORMAT = gettext_noop("The value does not have the expected format.")
MESSAGE_TYPE = gettext_noop("The value has the wrong type.")
MESSAGE_NULL_CHARACTERS = gettext_noop("Null characters are not allowed.")
MESSAGE_INVALID_TEXT = gettext_noop("The text contains characters that cannot be stored.")
MESSAGE_INVALID_VALUE = gettext_noop("Invalid value.")

# The largest id a database primary key can hold (64-bit signed): a larger one is not there.
MAX_ID = 2**63 - 1


# --- authentication -------------------------------------------------------------------------


# Requests per token are counted per minute (FORLOB_API_RATE_LIMIT).
RATE_WINDOW_SECONDS = 60


class BearerToken(HttpBearer):
    """A personal API token; the request then acts as the token's (active) user.

    Rate-limited: an address with too many failed tokens this minute is refused (429) before
    its token is even looked at; a valid token counts one request against itself.
    """

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        token = token.strip()
        wait = ratelimit.failed_credentials_wait(request)
        if wait is not None:
            raise RateLimited(wait)
        user = api_token_user(token)
        if user is None:
            # This attempt still gets its 401; the next one over the limit gets 429.
            ratelimit.count_failed_credential(request)
            return None
        wait = ratelimit.hit(
            "api-token:" + hash_secret(token),
            limit=settings.FORLOB_API_RATE_LIMIT,
            window=RATE_WINDOW_SECONDS,
        )
        if wait is not None:
            raise RateLimited(wait)
        # Code that reads request.user (audit, logging) sees the token's user, not anonymous.
        request.user = user
        return user


class BrowserSession(APIKeyCookie):
    """The logged-in user's session; unsafe methods must carry the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> User | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None  # no CSRF verdict for strangers: they get 401, not 403
        if getattr(settings, "FORLOB_REQUIRE_2FA", False) and not _is_verified(user):
            # A password-only session has not finished logging in. The pages send it to the
            # second-factor step; the API, exempt from that redirect, must refuse it itself.
            return None
        if self.csrf and check_csrf(request) is not None:
            raise HttpError(403, "csrf")
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        return None  # unused: __call__ decides from the session Django already loaded


def _is_verified(user: User) -> bool:
    is_verified = getattr(user, "is_verified", None)  # set by django_otp's OTPMiddleware
    return bool(is_verified()) if callable(is_verified) else False


def actor_of(request: HttpRequest) -> User:
    """The authenticated user of an API request (set by one of the two auth classes)."""
    return request.auth  # type: ignore[attr-defined,no-any-return]


# --- error bodies ---------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str
    code: str


class ValidationErrorOut(Schema):
    detail: str
    code: str
    fields: dict[str, list[str]] = Field(
        default_factory=dict, description="Field name → messages; `__all__` for the whole request."
    )


# Every operation may answer these (the schema says so, and schemathesis holds us to it).
ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ValidationErrorOut,
    429: ErrorOut,
}


def error(status: int, detail: str, code: str, **extra: Any) -> tuple[int, dict[str, Any]]:
    return status, {"detail": detail, "code": code, **extra}


class ApiValidationError(Exception):
    """Raise from an endpoint for a 422 with Danish field messages (before calling a service)."""

    def __init__(self, fields: dict[str, list[str]], code: str = "invalid") -> None:
        super().__init__(fields)
        self.fields = fields
        self.code = code


def _json(api: NinjaAPI, request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    return api.create_response(request, body, status=status)


# pydantic error type → Danish message (and which context value it needs).
_PYDANTIC_MESSAGES: dict[str, str] = {
    "missing": MESSAGE_REQUIRED,
    "string_too_long": MESSAGE_TOO_LONG,
    "string_too_short": MESSAGE_TOO_SHORT,
    "int_parsing": MESSAGE_WHOLE_NUMBER,
    "int_type": MESSAGE_WHOLE_NUMBER,
    "int_from_float": MESSAGE_WHOLE_NUMBER,
    "int_parsing_size": MESSAGE_WHOLE_NUMBER,
    "greater_than_equal": MESSAGE_AT_LEAST,
    "greater_than": MESSAGE_AT_LEAST,
    "less_than_equal": MESSAGE_AT_MOST,
    "less_than": MESSAGE_AT_MOST,
    "enum": MESSAGE_CHOICE,
    "literal_error": MESSAGE_CHOICE,
    "string_pattern_mismatch": MESSAGE_FORMAT,
}


def _pydantic_message(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "value_error" and isinstance(ctx.get("error"), str | Exception):
        return str(ctx["error"])  # our own validators raise Danish messages
    if kind.startswith("date") and not kind.startswith("datetime"):
        return _(MESSAGE_DATE)
    if kind.startswith("datetime") or kind.startswith("timezone"):
        return _(MESSAGE_DATETIME)
    message = _PYDANTIC_MESSAGES.get(kind)
    if message is None:
        return _(MESSAGE_TYPE) if kind.endswith("_type") else _(MESSAGE_INVALID_VALUE)
    values = {
        "max": ctx.get("max_length", 0),
        "min": ctx.get("min_length", 0),
        "limit": ctx.get("ge", ctx.get("gt", ctx.get("le", ctx.get("lt", "")))),
    }
    return _(message) % values if "%(" in message else _(message)


def _field_of(loc: tuple[Any, ...]) -> str:
    # loc is (source, [body parameter name,] field, ...); every body parameter is "payload".
    parts = [str(p) for p in loc[1:]]
    if loc and loc[0] == "body" and parts and parts[0] == "payload":
        parts = parts[1:]
    return ".".join(parts) or "__all__"


def django_error_fields(exc: DjangoValidationError) -> dict[str, list[str]]:
    """A service's ValidationError as field → messages (``__all__`` for the non-field ones)."""
    if hasattr(exc, "error_dict"):
        return {
            ("__all__" if field == "__all__" else field): [str(m) for e in errors for m in e]
            for field, errors in exc.error_dict.items()
        }
    return {"__all__": [str(m) for m in exc.messages]}


def install_error_handlers(api: NinjaAPI) -> None:
    """JSON errors with Danish messages for everything a client can cause; never a 500."""

    def on_unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
        response = _json(
            api,
            request,
            401,
            {"detail": _(MESSAGE_UNAUTHENTICATED), "code": "not_authenticated"},
        )
        response["WWW-Authenticate"] = 'Bearer realm="forlob"'
        return response

    def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        # The same body whether the object is missing or outside the user's scope.
        return _json(api, request, 404, {"detail": _(MESSAGE_NOT_FOUND), "code": "not_found"})

    def on_forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
        return _json(
            api, request, 403, {"detail": _(MESSAGE_FORBIDDEN), "code": "permission_denied"}
        )

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 403 and str(exc) == "csrf":
            body = {"detail": _(MESSAGE_CSRF), "code": "csrf_failed"}
        elif exc.status_code == 400:
            body = {"detail": _(MESSAGE_BAD_BODY), "code": "bad_request"}
        else:
            body = {"detail": _(MESSAGE_HTTP_ERROR), "code": f"http_{exc.status_code}"}
        return _json(api, request, exc.status_code, body)

    def on_request_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for err in exc.errors:
            fields.setdefault(_field_of(tuple(err.get("loc", ()))), []).append(
                _pydantic_message(err)
            )
        return _json(
            api,
            request,
            422,
            {"detail": _(MESSAGE_INVALID), "code": "invalid", "fields": fields},
        )

    def on_api_invalid(request: HttpRequest, exc: ApiValidationError) -> HttpResponse:
        return _json(
            api,
            request,
            422,
            {"detail": _(MESSAGE_INVALID), "code": exc.code, "fields": exc.fields},
        )

    def on_service_invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        fields = django_error_fields(exc)
        first = next((m for ms in fields.values() for m in ms), _(MESSAGE_INVALID))
        code = getattr(exc, "code", None) or "invalid"
        return _json(api, request, 422, {"detail": first, "code": code, "fields": fields})

    def on_rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
        return rate_limited_response(api, request, exc.retry_after)

    api.add_exception_handler(RateLimited, on_rate_limited)
    api.add_exception_handler(AuthenticationError, on_unauthenticated)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(PermissionDenied, on_forbidden)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(NinjaValidationError, on_request_invalid)
    api.add_exception_handler(ApiValidationError, on_api_invalid)
    api.add_exception_handler(DjangoValidationError, on_service_invalid)


def rate_limited_response(api: NinjaAPI, request: HttpRequest, retry_after: int) -> HttpResponse:
    """429 ``{"detail", "code": "rate_limited"}`` with ``Retry-After`` (whole seconds)."""
    response = _json(
        api,
        request,
        429,
        {"detail": _(MESSAGE_RATE_LIMITED) % {"seconds": retry_after}, "code": "rate_limited"},
    )
    response["Retry-After"] = str(retry_after)
    return response


def json_not_found(api: NinjaAPI) -> Callable[..., HttpResponse]:
    """A view answering every method with the API's JSON 404: for paths no operation has."""

    def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return _json(api, request, 404, {"detail": _(MESSAGE_NOT_FOUND), "code": "not_found"})

    return not_found


def with_json_method_not_allowed(
    api: NinjaAPI, view: Callable[..., HttpResponse]
) -> Callable[..., HttpResponse]:
    """Wrap one of django-ninja's path views so its plain-text 405 becomes the API's JSON error
    (the ``Allow`` header kept). The wrapper carries the view's attributes (csrf_exempt, …)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code != 405 or response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return response
        return method_not_allowed_response(api, request, response.get("Allow", ""))

    return wrapped


def method_not_allowed_response(api: NinjaAPI, request: HttpRequest, allowed: str) -> HttpResponse:
    """405 ``{"detail", "code": "method_not_allowed"}`` with ``Allow: <allowed>``."""
    response = _json(
        api,
        request,
        405,
        {
            "detail": _(MESSAGE_METHOD_NOT_ALLOWED)
            % {"method": request.method, "allowed": allowed},
            "code": "method_not_allowed",
        },
    )
    response["Allow"] = allowed
    return response


def local_time(moment: datetime | None) -> datetime | None:
    """Times go out in Copenhagen time with their offset (2026-06-02T10:00:00+02:00), as the
    pages show them, rather than in UTC."""
    return timezone.localtime(moment) if moment is not None else None


# --- shared output --------------------------------------------------------------------------


class CitizenRef(Schema):
    """Who a record is about: id, name and the masked CPR number (never the full number)."""

    id: int
    name: str
    cpr_masked: str = Field(description="DDMMYY-****; the full number is never sent.")

    @staticmethod
    def of(citizen: Citizen) -> CitizenRef:
        return CitizenRef(
            id=citizen.pk,
            name=citizen.full_name,
            cpr_masked=citizen.cpr_masked,
        )


# --- input types ----------------------------------------------------------------------------


def _storable(value: str) -> str:
    """Refuse text the databases cannot store (PostgreSQL rejects NUL; no lone surrogates)."""
    if "\x00" in value:
        raise ValueError(_(MESSAGE_NULL_CHARACTERS))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(_(MESSAGE_INVALID_TEXT)) from None
    return value


# Free text from a client: storable, trimmed by the services.
Text = Annotated[str, AfterValidator(_storable)]

# A database id in a path: 1 … 2^63-1; anything else is refused (422) before a query is made.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
