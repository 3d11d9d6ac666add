"""The page where a member of staff makes and revokes personal API tokens."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.http import require_http_methods, require_POST

from forlob.core import ratelimit
from forlob.core.forms import add_service_errors
from forlob.core.models import ApiToken
from forlob.core.tokens import api_token_create, api_token_revoke, api_tokens_of, token_is_active

# New secrets per user per hour (FORLOB_TOKEN_CREATE_LIMIT): plenty for people, few for a script
# that has hijacked a session and wants tokens that outlive it.
CREATE_WINDOW_SECONDS = 3600
MESSAGE_TOO_MANY_NEW = gettext_noop(
    "You have made many new addresses or tokens within the last hour. "
    "Try again in %(minutes)d minutes."
)

DAY_CHOICES = [
    (30, gettext_lazy("30 days")),
    (90, gettext_lazy("90 days")),
    (365, gettext_lazy("1 year")),
]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("name"),
        max_length=100,
        help_text=gettext_lazy("What the token is for, e.g. “Statistics script”."),
    )
    days = forms.TypedChoiceField(
        label=gettext_lazy("expires after"), choices=DAY_CHOICES, coerce=int, initial=90
    )


def creation_limited(request: HttpRequest, kind: str) -> int | None:
    """Seconds until ``request.user`` may make another secret of ``kind``, or None (allowed).
    Only made ones count (``count_creation``): a form with mistakes costs nothing."""
    return ratelimit.peek(
        f"{kind}-create:{request.user.pk}",
        limit=settings.FORLOB_TOKEN_CREATE_LIMIT,
        window=CREATE_WINDOW_SECONDS,
    )


def count_creation(request: HttpRequest, kind: str) -> None:
    ratelimit.hit(
        f"{kind}-create:{request.user.pk}",
        limit=settings.FORLOB_TOKEN_CREATE_LIMIT,
        window=CREATE_WINDOW_SECONDS,
    )


def too_many_new(response: HttpResponse, wait: int) -> HttpResponse:
    """Turn a page response into the 429 answer to one creation too many."""
    response.status_code = 429
    response["Retry-After"] = str(wait)
    return response


def too_many_message(wait: int) -> str:
    return _(MESSAGE_TOO_MANY_NEW) % {"minutes": max(1, -(-wait // 60))}


def _page(
    request: HttpRequest, form: ApiTokenForm, new_secret: str = "", status: int = 200
) -> HttpResponse:
    now = timezone.now()
    tokens = [
        {"token": t, "active": token_is_active(t, now)} for t in api_tokens_of(user=request.user)
    ]
    response = render(
        request,
        "core/api_tokens.html",
        {
            "form": form,
            "tokens": tokens,
            "new_secret": new_secret,
            "api_docs_url": reverse("api:openapi-view"),
        },
        status=status,
    )
    # The page may carry a secret shown once: no browser or proxy may keep a copy.
    add_never_cache_headers(response)
    return response


@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST":
        wait = creation_limited(request, "api-token")
        if wait is not None:
            messages.error(request, too_many_message(wait))
            return too_many_new(_page(request, form), wait)
        if form.is_valid():
            try:
                new = api_token_create(
                    user=request.user,
                    name=form.cleaned_data["name"],
                    days=form.cleaned_data["days"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                count_creation(request, "api-token")
                # Rendered, not redirected: the secret exists only in this one response.
                return _page(request, ApiTokenForm(), new_secret=new.secret)
        return _page(request, form, status=422)
    return _page(request, form)


@require_POST
def api_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        token = api_token_revoke(user=request.user, token_id=pk)
    except ApiToken.DoesNotExist:
        raise Http404 from None  # someone else's token looks like no token
    messages.success(request, _("The token “%(name)s” has been revoked.") % {"name": token.name})
    return redirect("api_tokens")
