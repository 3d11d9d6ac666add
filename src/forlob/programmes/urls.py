from django.urls import path

from forlob.programmes import views

app_name = "programmes"

urlpatterns = [
    path("", views.programme_list, name="programme_list"),
    path("classes/", views.class_list, name="class_list"),
    path("classes.xlsx", views.class_list_xlsx, name="class_list_xlsx"),
    path("classes/new/", views.class_create_view, name="class_create"),
    path("classes/<int:pk>/", views.class_detail, name="class_detail"),
    path(
        "classes/<int:pk>/participants.xlsx",
        views.class_participants_xlsx,
        name="class_participants_xlsx",
    ),
    path("classes/<int:pk>/enrol/", views.enrol, name="enrol"),
    path("classes/<int:pk>/complete/", views.complete, name="class_complete"),
    path("sessions/<int:pk>/", views.session_attendance, name="session_attendance"),
    path("sessions/<int:pk>/all-present/", views.attendance_all_present_view, name="all_present"),
    path("sessions/<int:pk>/move/", views.session_move_view, name="session_move"),
    path("sessions/<int:pk>/cancel/", views.session_cancel_view, name="session_cancel"),
    path("enrolments/<int:pk>/attendance/", views.attendance_set_view, name="attendance_set"),
    path("enrolments/<int:pk>/drop-out/", views.drop_out, name="drop_out"),
    path("enrolments/<int:pk>/talks/", views.book_talk, name="book_talk"),
]
