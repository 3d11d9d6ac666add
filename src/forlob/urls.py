from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from forlob.api import root_urls as api_root_urls
from forlob.api import urls as api_urls
from forlob.core import auth_views as otp_views
from forlob.core import token_views
from forlob.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("login/two-factor/setup/", otp_views.otp_setup, name="otp_setup"),
    path("login/two-factor/", otp_views.otp_verify, name="otp_verify"),
    path("referrals/", include("forlob.referrals.urls")),
    path("citizens/", include("forlob.citizens.urls")),
    path("pathways/", include("forlob.pathways.urls")),
    path("calendar/", include("forlob.scheduling.urls")),
    path("measures/", include("forlob.measures.urls")),
    path("questionnaires/", include("forlob.questionnaires.urls")),
    # The citizen's one-time questionnaire link: public (login_not_required), token-guarded.
    path("q/", include("forlob.questionnaires.public_urls")),
    path("programmes/", include("forlob.programmes.urls")),
    path("reminders/", include("forlob.notifications.urls")),
    path("home-rehabilitation/", include("forlob.homecare.urls")),
    path("monitoring/", include("forlob.monitoring.urls")),
    path("cluster/", include("forlob.cluster.urls")),
    path("import/", include("forlob.imports.urls")),
    path("audit/", include("forlob.access.urls")),
    path("api-tokens/", token_views.api_tokens, name="api_tokens"),
    path("api-tokens/<int:pk>/revoke/", token_views.api_token_revoke_view, name="api_token_revoke"),
    path("api/v1/", api_urls()),
    path("fhir/", include("forlob.fhir.urls")),
    path("api/", include(api_root_urls())),  # /api/, /api/docs, JSON 404s (after v1)
    path("admin/", admin.site.urls),
]
