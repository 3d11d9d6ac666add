from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from forlob.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("referrals/", include("forlob.referrals.urls")),
    path("citizens/", include("forlob.citizens.urls")),
    path("pathways/", include("forlob.pathways.urls")),
    path("calendar/", include("forlob.scheduling.urls")),
    path("admin/", admin.site.urls),
]
