from django.urls import path

from forlob.referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("inbox.xlsx", views.inbox_xlsx, name="inbox_xlsx"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/pathway/", views.create_pathway, name="create_pathway"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/preferences/", views.preferences, name="preferences"),
]
