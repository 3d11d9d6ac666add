"""The citizen's side, mounted at /q/ in forlob/urls.py: no login (a one-time token instead)."""

from django.urls import path

from forlob.questionnaires import public_views

app_name = "public_questionnaire"

urlpatterns = [
    path("<str:token>/", public_views.answer, name="answer"),
    path("<str:token>/save/", public_views.save, name="save"),
]
