from django.urls import path

from forlob.monitoring import evaluation_views, report_views, views

app_name = "monitoring"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("key-figures.xlsx", views.kpis_xlsx, name="kpis_xlsx"),
    path("list/<slug:code>/", views.kpi_list, name="list"),
    path("list/<slug:code>/export.xlsx", views.kpi_list_xlsx, name="list_xlsx"),
    path("reports/", report_views.reports, name="reports"),
    path("reports/<int:pk>/", report_views.report_detail, name="report"),
    path("reports/<int:pk>/status/", report_views.report_status, name="report_status"),
    path("reports/<int:pk>/download/", report_views.report_download, name="report_download"),
    path("dataset/", report_views.dataset, name="dataset"),
    # Evaluation support (monitoring/evaluation*.py) is another part of the app.
    path("evaluation/", evaluation_views.evaluation_page, name="evaluation"),
]
