from django.urls import path

from forlob.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.failed_list, name="failed"),
    path("failed.xlsx", views.failed_list_xlsx, name="failed_xlsx"),
    path("call-list/", views.call_list_view, name="call_list"),
    path("call-list.xlsx", views.call_list_xlsx, name="call_list_xlsx"),
    path("call-list/<int:pk>/called/", views.mark_called, name="mark_called"),
    path("citizens/<int:pk>/opt-out/", views.opt_out, name="opt_out"),
    path("messages/<int:pk>/retry/", views.retry, name="retry"),
]
