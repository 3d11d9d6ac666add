from django.urls import path

from forlob.access import views

app_name = "audit"
urlpatterns = [
    path("", views.log, name="log"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("break-glass/", views.break_glass, name="break_glass"),
    path("break-glass/<int:pk>/review/", views.break_glass_review, name="break_glass_review"),
    path("insight/", views.insight, name="insight"),
]
