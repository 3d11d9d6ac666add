"""The JSON API at /api/v1/: one NinjaAPI, one router per domain app.

Every endpoint authenticates (personal API token or browser session, ``core/api.py``), goes
through the access layer for citizen data, and calls the same services and selectors as the
pages. The OpenAPI schema is at /api/v1/openapi.json, the docs page at /api/v1/docs (Swagger UI
served from django-ninja's own static files, so it works offline); /api/docs leads there and
/api/ lists the versions (``root_urls``). Every other path under /api/ answers a JSON 404, and a
wrong method a JSON 405, like every other API error.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import URLPattern, path, re_path, reverse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.operation import Operation

from forlob.citizens.api import router as citizens_router
from forlob.core.api import (
    BearerToken,
    BrowserSession,
    install_error_handlers,
    json_not_found,
    method_not_allowed_response,
    with_json_method_not_allowed,
)
from forlob.monitoring.api import router as monitoring_router
from forlob.pathways.api import router as pathways_router
from forlob.referrals.api import router as referrals_router
from forlob.scheduling.api import router as scheduling_router


class ForlobAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        # Short, stable ids (the URL names) rather than module paths.
        return getattr(operation, "url_name", "") or super().get_openapi_operation_id(operation)


api = ForlobAPI(
    title="Forløb API",
    version="1",
    description=(
        "Forløb's JSON API. Authenticate with a personal API token "
        "(`Authorization: Bearer <token>`, made on the page /api-tokens/ or with "
        "`forlob create-api-token`) or, in the browser, with your login session. "
        "Every read and change of citizen data is audited in your name. Errors are "
        '`{"detail": "...", "code": "..."}` with a Danish `detail`. CPR numbers go only in '
        "request bodies and come back masked."
    ),
    urls_namespace="api",
    auth=[BearerToken(), BrowserSession()],
)
install_error_handlers(api)
api.add_router("", citizens_router)
api.add_router("", referrals_router)
api.add_router("", pathways_router)
api.add_router("", scheduling_router)
api.add_router("", monitoring_router)

# The docs page is a page like any other: log in first. Everything else answers for itself with
# a JSON 401, so the site-wide LoginRequiredMiddleware (which would redirect to the login page)
# steps aside for it.
_LOGIN_PAGE_ROUTES = {"openapi-view"}


def urls() -> tuple[list[URLPattern], str, str]:
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if not isinstance(pattern, URLPattern):
            continue
        if pattern.name == "api-root":
            # django-ninja's root view raises a (HTML) 404; /api/v1/ lists its links instead.
            pattern.callback = api_index
            continue
        if pattern.name not in _LOGIN_PAGE_ROUTES:
            pattern.callback.login_required = False  # type: ignore[attr-defined]
        # After login_required is set: the wrapper copies the view's attributes.
        pattern.callback = with_json_method_not_allowed(api, pattern.callback)
    return patterns, app_name, namespace  # type: ignore[return-value]


@csrf_exempt  # changes nothing; a POST gets the JSON 405, not the CSRF page
@login_not_required
def api_index(request: HttpRequest) -> HttpResponse:
    """/api/: where the versions, their schema and their docs are (no data, no login)."""
    if request.method not in ("GET", "HEAD"):
        return method_not_allowed_response(api, request, "GET, HEAD")
    return JsonResponse(
        {
            "versions": [
                {
                    "version": "1",
                    "url": reverse("api:api-root"),
                    "openapi": reverse("api:openapi-json"),
                    "docs": reverse("api:openapi-view"),
                }
            ],
            "docs": reverse("api_docs"),
        }
    )


def api_docs(request: HttpRequest) -> HttpResponse:
    """/api/docs: the current version's docs page (a page: log in first)."""
    return HttpResponseRedirect(reverse("api:openapi-view"))


def root_urls() -> list[URLPattern]:
    """/api/, /api/docs and a JSON 404 for every other path under /api/ (after /api/v1/)."""
    not_found = csrf_exempt(login_not_required(json_not_found(api)))
    return [
        path("", api_index, name="api_index"),
        path("docs", api_docs, name="api_docs"),
        re_path(r"^.*$", not_found, name="api_not_found"),
    ]
