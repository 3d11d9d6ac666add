from django.urls import path, re_path

from forlob.scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("", views.day, name="day"),
    re_path(
        r"^appointments/(?P<pk>[0-9]+)/(?P<action>decline|cancel|attended|no_show)/$",
        views.appointment_action,
        name="appointment_action",
    ),
]
