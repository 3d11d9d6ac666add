"""Keep a password-only session out of everything until its second factor is verified."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from forlob.core.two_factor import has_confirmed_device

V = TypeVar("V", bound=Callable[..., Any])

# Views a password-only session may use besides those marked below: leaving must always work.
EXEMPT_VIEW_NAMES = frozenset({"logout"})


def verification_not_required(view: V) -> V:
    """Mark a view an unverified (password-only) session may reach: the OTP pages themselves."""
    view.verification_not_required = True  # type: ignore[attr-defined]
    return view


class RequireVerifiedSessionMiddleware:
    """After ``LoginRequiredMiddleware``: a logged-in user without a verified TOTP device is
    sent to set one up (no device yet) or to type a code (device confirmed).

    Applies to every view, the admin included, when ``settings.FORLOB_REQUIRE_2FA`` is on.
    Public views (``login_not_required``, e.g. the login page) stay reachable, and static files
    never get here (WhiteNoise answers them first).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if not settings.FORLOB_REQUIRE_2FA:
            return None
        user = request.user
        if not user.is_authenticated:
            return None  # LoginRequiredMiddleware has already dealt with private views
        if user.is_verified():  # type: ignore[union-attr]  # set by django_otp's OTPMiddleware
            return None
        if not getattr(view_func, "login_required", True):
            return None
        if getattr(view_func, "verification_not_required", False):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in EXEMPT_VIEW_NAMES:
            return None
        target = reverse("otp_verify" if has_confirmed_device(user) else "otp_setup")
        # Only a page can be returned to; a form post is not repeated after the detour.
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(target)
        return HttpResponseRedirect(target)
