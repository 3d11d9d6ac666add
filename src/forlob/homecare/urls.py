from django.urls import path

from forlob.homecare import views

app_name = "homecare"

urlpatterns = [
    path("", views.index, name="index"),
    path("worklist.xlsx", views.index_xlsx, name="index_xlsx"),
    path("applications/new/", views.application_create, name="application_create"),
    path("driving-list/", views.driving_list, name="driving_list"),
    path("driving-list.xlsx", views.driving_list_xlsx, name="driving_list_xlsx"),
    path("figures/", views.figures, name="figures"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/provider/", views.provider_choice, name="provider_choice"),
    path("cases/<int:pk>/start-meeting/", views.start_meeting, name="start_meeting"),
    path("cases/<int:pk>/assessment/", views.assessment, name="assessment"),
    path("cases/<int:pk>/assessment/save/", views.assessment_save, name="assessment_save"),
    path("cases/<int:pk>/grant/", views.grant_save, name="grant_save"),
    path("cases/<int:pk>/plan/", views.plan, name="plan"),
    path("cases/<int:pk>/plan/goals/", views.goal_add, name="goal_add"),
    path("cases/<int:pk>/plan/goals/remove/", views.goal_remove, name="goal_remove"),
    path("cases/<int:pk>/plan/actions/", views.action_add, name="action_add"),
    path("cases/<int:pk>/plan/actions/remove/", views.action_remove, name="action_remove"),
    path("cases/<int:pk>/plan/visits/", views.visits_generate, name="visits_generate"),
    path("cases/<int:pk>/evaluations/", views.evaluations, name="evaluations"),
    path("cases/<int:pk>/evaluations/add/", views.evaluation_add, name="evaluation_add"),
    path("cases/<int:pk>/review/", views.review, name="review"),
    path("cases/<int:pk>/review/midway/", views.midway_save, name="midway_save"),
    path("cases/<int:pk>/review/end/", views.end_save, name="end_save"),
    path("visits/<int:pk>/done/", views.visit_done, name="visit_done"),
]
