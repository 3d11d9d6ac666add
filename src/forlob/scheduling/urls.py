from django.urls import path, re_path

from forlob.scheduling import capacity_views, feed_views, proposal_views, views
from forlob.scheduling.feeds import TOKEN_PATTERN

app_name = "scheduling"
urlpatterns = [
    path("", views.day, name="day"),
    path("day.xlsx", views.day_xlsx, name="day_xlsx"),
    path("proposals/", proposal_views.propose, name="propose"),
    path("proposals/<int:pk>/", proposal_views.proposals, name="proposals"),
    path("proposals/<int:pk>/accept-all/", proposal_views.accept_all, name="proposals_accept_all"),
    path("proposals/item/<int:pk>/accept/", proposal_views.accept, name="proposal_accept"),
    path("feed/", feed_views.feed_settings, name="feed"),
    path("feed/revoke/", feed_views.feed_revoke, name="feed_revoke"),
    # The private address Outlook/Google fetch without login; the token is the guard.
    re_path(rf"^feed/(?P<token>{TOKEN_PATTERN})\.ics$", feed_views.feed_ics, name="feed_ics"),
    path("capacity/", capacity_views.capacity, name="capacity"),
    path("capacity/extra/", capacity_views.extra_capacity_new, name="extra_capacity_open"),
    path(
        "capacity/extra/<int:pk>/close/",
        capacity_views.extra_capacity_remove,
        name="extra_capacity_close",
    ),
    path("capacity/simulation/", capacity_views.simulation_run, name="simulation_run"),
    re_path(
        r"^appointments/(?P<pk>[0-9]+)/(?P<action>decline|cancel|attended|no_show)/$",
        views.appointment_action,
        name="appointment_action",
    ),
]
