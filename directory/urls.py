from django.urls import path

from directory import views

app_name = "directory"
urlpatterns = [
    path("services/", views.service_list, name="service_list"),
    path("officers/search/", views.officer_search, name="officer_search"),
    path("manage/<slug:kind>/", views.reference_list, name="reference_list"),
    path("manage/<slug:kind>/new/", views.reference_create, name="reference_create"),
    path("manage/<slug:kind>/<int:pk>/", views.reference_edit, name="reference_edit"),
]
