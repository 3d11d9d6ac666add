"""The JSON API at /api/v1/: one NinjaAPI, one router per domain app.

Every endpoint authenticates (personal API token or browser session, ``core/api.py``), goes
through the access layer for citizen data, and calls the same services and selectors as the
pages. The OpenAPI schema is at /api/v1/openapi.json, the docs page at /api/v1/docs (Swagger UI
served from django-ninja's own static files, so it works offline).
"""

from __future__ import annotations

from django.urls import URLPattern
from ninja import NinjaAPI
from ninja.operation import Operation

from forlob.citizens.api import router as citizens_router
from forlob.core.api import BearerToken, BrowserSession, install_error_handlers
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
        if isinstance(pattern, URLPattern) and pattern.name not in _LOGIN_PAGE_ROUTES:
            pattern.callback.login_required = False  # type: ignore[attr-defined]
    return patterns, app_name, namespace  # type: ignore[return-value]
