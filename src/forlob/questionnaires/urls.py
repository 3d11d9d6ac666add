from django.urls import path

from forlob.questionnaires import views

app_name = "questionnaires"

urlpatterns = [
    path("", views.questionnaire_list, name="list"),
    path("tracking/", views.tracking, name="tracking"),
    path("tracking.xlsx", views.tracking_xlsx, name="tracking_xlsx"),
    path("<int:pk>/", views.questionnaire_detail, name="detail"),
    path("<int:pk>/copy/", views.questionnaire_copy, name="copy"),
    path("<int:pk>/active/", views.questionnaire_active, name="active"),
    path("versions/<int:pk>/intro/", views.version_intro, name="version_intro"),
    path("versions/<int:pk>/questions/new/", views.question_new, name="question_new"),
    path("versions/<int:pk>/publish/", views.version_publish, name="version_publish"),
    path("versions/<int:pk>/new-draft/", views.version_new_draft, name="version_new_draft"),
    path("versions/<int:pk>/preview/", views.version_preview, name="version_preview"),
    path("questions/<int:pk>/", views.question_edit, name="question_edit"),
    path("questions/<int:pk>/delete/", views.question_delete, name="question_delete"),
    path("questions/<int:pk>/move/<str:direction>/", views.question_move, name="question_move"),
    path("citizens/<int:pk>/invite/", views.invite, name="invite"),
    path("citizens/<int:pk>/tablet/", views.start_tablet, name="start_tablet"),
]
