from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.login, name="login"),
    path("sign-in/code/", views.login_verify, name="login_verify"),
    path("sign-in/authenticator/", views.enrol, name="enrol"),
    path("sign-out/", views.logout, name="logout"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/sent/", views.password_reset_sent, name="password_reset_sent"),
    path("password/reset/<str:uidb64>/<str:token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("profile/", views.profile, name="profile"),
    path("profile/password/", views.password_change, name="password_change"),
    path("profile/backup-codes/", views.backup_codes, name="backup_codes"),
    path("profile/devices/<int:pk>/revoke/", views.trusted_device_revoke, name="trusted_device_revoke"),
    path("profile/sessions/<int:pk>/end/", views.session_end, name="session_end"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("users/<int:pk>/reset-second-factor/", views.user_reset_second_factor, name="user_reset_second_factor"),
    path("users/<int:pk>/send-link/", views.user_send_link, name="user_send_link"),
    path("journal/", views.journal_page, name="journal"),
    path("journal/export.csv", views.journal_export, name="journal_export"),
]
