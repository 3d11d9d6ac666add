from django.urls import path

from forlob.cluster import views

app_name = "cluster"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("import/", views.import_events, name="import"),
    path("import/template.csv", views.import_template, name="import_template"),
    path("follow-up-visits/", views.follow_ups, name="follow_ups"),
    path("follow-up-visits.xlsx", views.follow_ups_xlsx, name="follow_ups_xlsx"),
    path("follow-up-visits/<int:pk>/", views.follow_up_update_view, name="follow_up_update"),
    path("audit/", views.audit_list, name="audit"),
    path("audit.xlsx", views.audit_list_xlsx, name="audit_xlsx"),
    path("audit/draw/", views.audit_draw, name="audit_draw"),
    path("audit/<int:pk>/", views.audit_case, name="audit_case"),
]
