from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("bell/", views.bell, name="bell"),
    path("<int:pk>/open/", views.open_message, name="open_message"),
    path("<int:pk>/read/", views.mark_read, name="mark_read"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("preferences/test/", views.send_test, name="send_test"),
    path("deliveries/", views.admin_list, name="admin_list"),
    path("deliveries/<int:pk>/retry/", views.admin_retry, name="admin_retry"),
]
