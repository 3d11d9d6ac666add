from django.urls import path

from forlob.citizens import views

app_name = "citizens"
urlpatterns = [
    path("", views.search, name="search"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/notes/", views.add_note, name="add_note"),
    path("<int:pk>/emergency-access/", views.emergency_access, name="emergency_access"),
]
