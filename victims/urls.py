from django.urls import path

from victims import person_views, referral_views, views

app_name = "victims"
urlpatterns = [
    path("", views.callout_list, name="callout_list"),
    path("export/", views.callout_export, name="callout_export"),
    path("page/", views.callout_page, name="callout_page"),
    path("new/", views.callout_create, name="callout_create"),
    path("c/<uuid:public_id>/", views.callout_detail, name="callout_detail"),
    path("c/<uuid:public_id>/edit/", views.callout_edit, name="callout_edit"),
    path("c/<uuid:public_id>/history/", views.callout_history, name="callout_history"),
    path("c/<uuid:public_id>/step/", views.callout_step, name="callout_step"),
    path("c/<uuid:public_id>/debrief/", views.callout_debrief_done, name="callout_debrief_done"),
    path("c/<uuid:public_id>/persons/", views.person_add, name="person_add"),
    path("c/<uuid:public_id>/persons/<int:pk>/remove/", views.involvement_remove, name="involvement_remove"),
    path("c/<uuid:public_id>/help/", views.action_add, name="action_add"),
    path("c/<uuid:public_id>/coaching/", views.coaching_add, name="coaching_add"),
    path("c/<uuid:public_id>/follow-ups/", views.followup_add, name="followup_add"),
    path(
        "c/<uuid:public_id>/persons/<uuid:person_id>/refer/",
        referral_views.referral_create,
        name="referral_create",
    ),
    path("persons/", person_views.person_search, name="person_search"),
    path("persons/<uuid:public_id>/", person_views.person_detail, name="person_detail"),
    path("persons/<uuid:public_id>/edit/", person_views.person_edit, name="person_edit"),
    path("persons/<uuid:public_id>/follow-ups/", person_views.person_followup_add, name="person_followup_add"),
    path("follow-ups/", views.followup_list, name="followup_list"),
    path("follow-ups/<int:pk>/done/", views.followup_done, name="followup_done"),
    path("referrals/", referral_views.referral_list, name="referral_list"),
    path("referrals/<uuid:public_id>/", referral_views.referral_detail, name="referral_detail"),
    path("referrals/<uuid:public_id>/send/", referral_views.referral_send, name="referral_send"),
    path("referrals/<uuid:public_id>/answer/", referral_views.referral_answer, name="referral_answer"),
    path("referrals/<uuid:public_id>/sheet/", referral_views.referral_sheet, name="referral_sheet"),
    path("referrals/<uuid:public_id>/sheet.pdf", referral_views.referral_pdf, name="referral_pdf"),
    # The service's acknowledgement link: no account, a signed and expiring token.
    path("r/<str:token>/", referral_views.referral_ack, name="referral_ack"),
    path("r/<str:token>/sheet.pdf", referral_views.referral_ack_pdf, name="referral_ack_pdf"),
]
