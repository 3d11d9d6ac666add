from django.urls import path

from forlob.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.job_detail, name="job"),
    path("<int:pk>/status/", views.job_status, name="job_status"),
    path("<int:pk>/commit/", views.job_commit, name="commit"),
    path("<int:pk>/discard/", views.job_discard, name="discard"),
    path("templates/<slug:kind>.<slug:fmt>", views.template, name="template"),
]
