from django.urls import include, path

from accounts.views import set_language
from concertation import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("language/", set_language, name="set_language"),
    path("directory/", include("directory.urls")),
    path("notifications/", include("notifications.urls")),
    path("oncall/", include("oncall.urls")),
    path("victims/", include("victims.urls")),
    path("", include("accounts.urls")),
]

handler400 = "concertation.views.bad_request"
handler403 = "concertation.views.permission_denied"
handler404 = "concertation.views.page_not_found"
handler500 = "concertation.views.server_error"
