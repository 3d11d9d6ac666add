from django.urls import path

from forlob.pathways import views
from forlob.scheduling import views as scheduling_views

app_name = "pathways"
urlpatterns = [
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/transition/", views.transition, name="transition"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pathway_pk>/book/", scheduling_views.book, name="book"),
]
