from django.urls import path

from forlob.measures import views

app_name = "measures"

_BASE = "pathway/<int:pk>/<slug:instrument>/<slug:time_point>/"

urlpatterns = [
    path(_BASE, views.record_form, name="record_form"),
    path(_BASE + "save/", views.record, name="record"),
    path(_BASE + "skip/", views.skip_form, name="skip_form"),
    path(_BASE + "skip/save/", views.skip, name="skip"),
]
