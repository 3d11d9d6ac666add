"""Second login step: enrol a TOTP app, then type its code after every password login."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from forlob.core import two_factor
from forlob.core.auth_forms import WRONG_CODE, TokenForm, too_many_wrong
from forlob.core.middleware import verification_not_required


def _next_url(request: HttpRequest) -> str:
    """Where to go after the code: the page asked for, if it is one of ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    url = reverse(name)
    if target:
        url += "?" + urlencode({"next": target})
    return url


def _add_refusal(form: TokenForm, result: two_factor.CodeCheck) -> None:
    if result.locked_until is not None:
        form.add_error("token", too_many_wrong(result.wait_seconds))
    else:
        form.add_error("token", _(WRONG_CODE))


# The page shows the secret: never cached by the browser or a proxy.
@verification_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol: scan the QR code (or type the key) and prove it with the first code."""
    if request.user.is_verified():  # type: ignore[union-attr]
        return redirect(_next_url(request))
    if two_factor.has_confirmed_device(request.user):  # type: ignore[arg-type]
        # Someone with only the password must not replace the owner's phone.
        return redirect(_with_next("otp_verify", request))
    device = two_factor.device_for_setup(request.user)  # type: ignore[arg-type]
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = two_factor.device_confirm(
            request=request, device=device, token=form.cleaned_data["token"]
        )
        if result.accepted:
            return redirect(_next_url(request))
        _add_refusal(form, result)
    return render(
        request,
        "registration/otp_setup.html",
        {
            "form": form,
            "next": request.POST.get("next") or request.GET.get("next", ""),
            "qr_svg": two_factor.qr_code_svg(device, label=_("QR code for the authenticator app")),
            "secret": two_factor.secret_for_display(device),
            "issuer": settings.OTP_TOTP_ISSUER,
            # No menu until the second step is done: its links would only lead back here.
            "nav_items": [],
        },
    )


@verification_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Second step of every login: the code the app shows now."""
    if request.user.is_verified():  # type: ignore[union-attr]
        return redirect(_next_url(request))
    device = two_factor.confirmed_device(request.user)  # type: ignore[arg-type]
    if device is None:
        return redirect(_with_next("otp_setup", request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = two_factor.session_verify(
            request=request, device=device, token=form.cleaned_data["token"]
        )
        if result.accepted:
            return redirect(_next_url(request))
        _add_refusal(form, result)
    return render(
        request,
        "registration/otp_verify.html",
        {
            "form": form,
            "next": request.POST.get("next") or request.GET.get("next", ""),
            "nav_items": [],
        },
    )


def lockout(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, object] | None = None,
) -> HttpResponse:
    """django-axes' answer to a login attempt while locked out (``AXES_LOCKOUT_CALLABLE``).

    429 Too Many Requests with a Danish page saying why and for how long; the typed user name
    is not echoed back.
    """
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/lockout.html",
        {"minutes": minutes, "limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
