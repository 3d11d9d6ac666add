from django.urls import path, re_path

from forlob.fhir import views

app_name = "fhir"

# Resource type names are CamelCase letters; ids are digits (anything else answers 404 inside).
urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("", views.root, name="root"),
    re_path(r"^(?P<resource_type>[A-Z][A-Za-z]+)/_search$", views.search_post, name="search"),
    re_path(r"^(?P<resource_type>[A-Z][A-Za-z]+)$", views.type_endpoint, name="type"),
    re_path(
        r"^(?P<resource_type>[A-Z][A-Za-z]+)/(?P<pk>[A-Za-z0-9\-.]{1,64})$",
        views.instance,
        name="instance",
    ),
]

for pattern in urlpatterns:  # systems authenticate with a token, not the login page
    pattern.callback.login_required = False  # type: ignore[attr-defined]
