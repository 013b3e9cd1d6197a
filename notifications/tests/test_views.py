"""The bell, the inbox, preferences in the profile, and the admin's delivery list."""

from datetime import UTC, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessEvent
from notifications.models import Notification, NotificationPreference
from notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db


# --- bell and inbox ----------------------------------------------------------------------------------------


def test_the_bell_shows_the_number_of_unread_messages_on_every_page(client_as):
    client = client_as("assistant")
    NotificationFactory.create_batch(3, recipient=client.user)
    NotificationFactory(recipient=client.user, read_at=timezone.now())
    NotificationFactory()  # someone else's

    page = client.get(reverse("accounts:home")).content.decode()

    assert 'id="notification-bell"' in page
    assert "Notifications : 3 non lues" in page
    assert 'hx-headers=\'{"X-Background": "1"}\'' in page  # polling does not keep the session alive


def test_the_bell_counts_only_messages_that_have_arrived(client_as):
    client = client_as("assistant")
    NotificationFactory(recipient=client.user, status="pending", sent_at=None)
    NotificationFactory(recipient=client.user, channel="email")

    response = client.get(reverse("notifications:bell"))

    assert "bell-badge" not in response.content.decode()
    assert response.context["unread_notifications"]() == 0


def test_the_bell_caps_its_badge(client_as):
    client = client_as("assistant")
    NotificationFactory.create_batch(101, recipient=client.user)

    assert "99+" in client.get(reverse("notifications:bell")).content.decode()


def test_the_inbox_lists_only_my_messages_newest_first(client_as):
    client = client_as("dispatch")
    older = NotificationFactory(recipient=client.user, subject="Ancien message")
    newer = NotificationFactory(recipient=client.user, subject="Nouveau message")
    NotificationFactory(subject="Message de quelqu'un d'autre")

    response = client.get(reverse("notifications:inbox"))

    page = response.content.decode()
    assert [item.pk for item in response.context["items"]] == [newer.pk, older.pk]
    assert "Message de quelqu&#x27;un d&#x27;autre" not in page
    assert page.index("Nouveau message") < page.index("Ancien message")


def test_the_inbox_query_count_does_not_grow_with_messages(client_as, django_assert_max_num_queries):
    client = client_as("assistant")
    NotificationFactory.create_batch(3, recipient=client.user)
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("notifications:inbox"))
    NotificationFactory.create_batch(30, recipient=client.user)
    with django_assert_max_num_queries(len(few)):
        client.get(reverse("notifications:inbox"))


def test_the_inbox_pages_by_keyset(client_as):
    client = client_as("assistant")
    messages = NotificationFactory.create_batch(25, recipient=client.user)

    first = client.get(reverse("notifications:inbox"))
    older = client.get(reverse("notifications:inbox"), {"before": first.context["next_before"]})

    assert len(first.context["items"]) == 20
    assert [item.pk for item in older.context["items"]] == [m.pk for m in reversed(messages[:5])]
    assert older.context["next_before"] is None
    assert "Messages les plus récents" in older.content.decode()


def test_each_inbox_item_offers_open_and_mark_as_read_with_a_csrf_token_and_keeps_its_page(client_as):
    client = client_as("assistant")
    at = timezone.make_aware(timezone.datetime(2026, 3, 29, 3, 30))  # the night the clocks go forward
    read = NotificationFactory(recipient=client.user, subject="Lu", link="", read_at=at, sent_at=at)
    unread = NotificationFactory(recipient=client.user, subject="Rappel <b>garde</b>", link="/oncall/", sent_at=at)
    NotificationFactory.create_batch(20, recipient=client.user)

    page = client.get(reverse("notifications:inbox"), {"before": unread.pk + 1}).content.decode()

    items = [item.split("</li>")[0] for item in page.split('<li class="list-group-item inbox-item')[1:]]
    assert len(items) == 2
    first, second = items
    assert first.startswith(' is-unread">') and "Non lu :</span>Rappel &lt;b&gt;garde&lt;/b&gt;</p>" in first
    assert f'action="{reverse("notifications:open_message", args=[unread.pk])}"' in first and "Ouvrir" in first
    mark = reverse("notifications:mark_read", args=[unread.pk])
    assert f'hx-post="{mark}?before={unread.pk + 1}" hx-target="#inbox-rows"' in first
    assert first.count('name="csrfmiddlewaretoken"') == 2
    assert '<time datetime="2026-03-29T03:30:00+02:00">dim 29 mars, 03:30</time>' in first
    assert second.startswith('">') and "Non lu" not in second and "<form" not in second and read.subject in second


def test_opening_a_message_marks_it_read_and_follows_its_link(client_as):
    client = client_as("assistant")
    message = NotificationFactory(recipient=client.user, link="http://testserver/profile/")

    response = client.post(reverse("notifications:open_message", args=[message.pk]))

    assert response.status_code == 302 and response["Location"] == "/profile/"
    message.refresh_from_db()
    assert message.read_at is not None


def test_a_message_link_never_leads_off_site(client_as):
    client = client_as("assistant")
    message = NotificationFactory(recipient=client.user, link="https://evil.example/phish")

    response = client.post(reverse("notifications:open_message", args=[message.pk]))

    assert response["Location"] == reverse("notifications:inbox")


def test_someone_elses_message_cannot_be_opened_or_marked(client_as):
    client = client_as("assistant")
    theirs = NotificationFactory()

    assert client.post(reverse("notifications:open_message", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:mark_read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_one_read_with_htmx_returns_the_rows_and_the_updated_bell(client_as):
    client = client_as("assistant")
    first, _second = NotificationFactory.create_batch(2, recipient=client.user)

    response = client.post(reverse("notifications:mark_read", args=[first.pk]), headers={"HX-Request": "true"})

    page = response.content.decode()
    assert 'hx-swap-oob="true"' in page
    assert "Notifications : 1 non lue" in page
    first.refresh_from_db()
    assert first.read_at is not None


def test_mark_all_read_marks_only_mine(client_as):
    client = client_as("assistant")
    NotificationFactory.create_batch(2, recipient=client.user)
    theirs = NotificationFactory()

    response = client.post(reverse("notifications:mark_all_read"), follow=True)

    assert not Notification.objects.filter(recipient=client.user, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert "Tous les messages sont marqués comme lus." in response.content.decode()


def test_marking_needs_a_post(client_as):
    client = client_as("assistant")
    message = NotificationFactory(recipient=client.user)

    assert client.get(reverse("notifications:mark_read", args=[message.pk])).status_code == 405


# --- preferences --------------------------------------------------------------------------------------------


@pytest.fixture
def reminder_kind():
    from notifications import kinds

    kinds.register("test_reminder", "Rappel avant ma permanence", ("email", "in_app"))
    yield "test_reminder"
    kinds.KINDS.pop("test_reminder", None)


def test_the_profile_shows_my_notification_preferences(client_as, reminder_kind):
    client = client_as("assistant", phone="")

    page = client.get(reverse("accounts:profile")).content.decode()

    assert 'id="notifications-title"' in page
    assert "Rappel avant ma permanence" in page
    assert "Un numéro de mobile est nécessaire pour les SMS" in page
    assert "channels_test_reminder" in page
    assert "channels_test_message" not in page  # not configurable: always every channel


def _defaults_of_other_kinds(user):
    from notifications import kinds

    return {f"channels_{kind.code}": list(kind.default_channels) for kind in kinds.configurable(user)}


def test_kinds_meant_for_admins_are_not_offered_to_assistants(client_as):
    from notifications import kinds

    kinds.register("test_admin_only", "Réservé aux admins", ("email",), audience=["admin"])
    try:
        assert "Réservé aux admins" not in client_as("assistant").get(reverse("accounts:profile")).content.decode()
        assert "Réservé aux admins" in client_as("admin").get(reverse("accounts:profile")).content.decode()
    finally:
        kinds.KINDS.pop("test_admin_only")


def test_saving_preferences_stores_channels_and_lead_times(client_as, reminder_kind):
    client = client_as("assistant", phone="+32470123456")

    response = client.post(
        reverse("notifications:preferences"),
        {
            **_defaults_of_other_kinds(client.user),
            "channels_test_reminder": ["sms", "in_app"],
            "lead_minutes": ["60", "1440", "30"],
        },
    )

    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=client.user)
    assert preference.channels["test_reminder"] == ["sms", "in_app"]
    assert preference.lead_minutes == [1440, 60, 30]
    assert preference.evening_before_early_shift is False


def test_a_kind_without_any_channel_is_refused_with_a_clear_message(client_as, reminder_kind):
    client = client_as("assistant")

    data = _defaults_of_other_kinds(client.user)
    del data["channels_test_reminder"]
    response = client.post(reverse("notifications:preferences"), {**data, "lead_minutes": ["60"]})

    assert response.status_code == 200
    assert "Choisissez au moins un canal" in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_an_unknown_lead_time_is_refused(client_as, reminder_kind):
    client = client_as("assistant")

    data = {**_defaults_of_other_kinds(client.user), "lead_minutes": ["7"]}
    response = client.post(reverse("notifications:preferences"), data)

    assert response.status_code == 200
    assert not NotificationPreference.objects.exists()


def test_send_me_a_test_message_goes_to_every_channel_i_can_receive(client_as):
    client = client_as("assistant", phone="")

    client.post(reverse("notifications:send_test"))
    client.post(reverse("notifications:send_test"))  # twice in the same minute: once

    assert sorted(Notification.objects.values_list("channel", flat=True)) == ["email", "in_app"]


# --- the admin's delivery list -----------------------------------------------------------------------------


def test_the_delivery_list_shows_status_and_error_but_never_bodies(client_as):
    client = client_as("admin")
    NotificationFactory(
        channel="sms",
        status="failed",
        sent_at=None,
        subject="Demande d'intervention",
        last_error="SMS gateway answered HTTP 422",
        context={"summary": "Texte confidentiel du message"},
        attempts=1,
    )

    response = client.get(reverse("notifications:admin_list"))

    page = response.content.decode()
    assert "SMS gateway answered HTTP 422" in page
    assert "Demande d&#x27;intervention" in page
    assert "Texte confidentiel" not in page
    assert response.context["summary"]["failed"] == 1
    assert AccessEvent.objects.filter(actor=client.user, action="list").exists()


def test_the_failed_card_stops_counting_at_its_cap(client_as, monkeypatch):
    from notifications import views

    monkeypatch.setattr(views, "FAILED_COUNT_CAP", 2)
    client = client_as("admin")
    NotificationFactory.create_batch(2, status="failed", sent_at=None)
    assert '<span class="d-block h4 mb-0">2</span>' in client.get(reverse("notifications:admin_list")).content.decode()

    NotificationFactory(status="failed", sent_at=None)
    assert '<span class="d-block h4 mb-0">2+</span>' in client.get(reverse("notifications:admin_list")).content.decode()


def test_the_delivery_list_filters_by_status_channel_and_recipient(client_as):
    client = client_as("admin")
    target = NotificationFactory(status="failed", sent_at=None, channel="email")
    NotificationFactory(status="failed", sent_at=None, channel="sms")
    NotificationFactory(recipient=target.recipient)

    response = client.get(
        reverse("notifications:admin_list"),
        {"status": "failed", "channel": "email", "recipient": target.recipient.pk},
    )

    assert [row.pk for row in response.context["rows"]] == [target.pk]
    assert AccessEvent.objects.filter(actor=client.user, action="search").exists()


def test_delivery_rows_read_in_dutch_with_the_retry_form_on_failed_messages_only(client_as):
    client = client_as("admin", language="nl")
    at = timezone.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # the first of the two 02:30
    failed = NotificationFactory(
        channel="sms", status="failed", sent_at=None, last_error="x" * 200, attempts=6, due_at=at, kind="page"
    )
    NotificationFactory(channel="email", status="pending", sent_at=None, recipient=None, address="ac@zone.example")

    page = client.get(reverse("notifications:admin_list"), {"channel": "sms"}).content.decode()
    rows = page.split("<tbody", 1)[1].split("<tr>")[1:]

    assert len(rows) == 1
    row = rows[0]
    assert '<time datetime="2026-10-25T02:30:00+02:00">zo 25 oktober, 02:30</time>' in row
    assert 'data-label="Gepland"' in row and ">Mislukt</span>" in row and failed.recipient.full_name in row
    assert "6 · " + "x" * 159 + "…" in row
    assert f'action="{reverse("notifications:admin_retry", args=[failed.pk])}"' in row
    assert 'name="next" value="/notifications/deliveries/?channel=sms"' in row and "Opnieuw verzenden" in row
    everything = client.get(reverse("notifications:admin_list")).content.decode()
    assert "ac@zone.example" in everything and everything.count("Opnieuw verzenden") == 1


def test_the_delivery_list_reads_in_english_too(client_as):
    NotificationFactory(channel="sms", status="failed", sent_at=None)

    page = client_as("admin", language="en").get(reverse("notifications:admin_list")).content.decode()

    for text in (
        "Send again",
        'data-label="Kind and subject"',
        '<option value="sending">Sending</option>',
        "Due until",
    ):
        assert text in page


def test_a_filter_error_is_shown_next_to_its_field_and_tied_to_it(client_as):
    page = client_as("admin").get(reverse("notifications:admin_list"), {"recipient": "999999"}).content.decode()

    assert 'aria-describedby="id_recipient_error"' in page
    assert '<div id="id_recipient_error" class="invalid-feedback d-block">Sélectionnez un choix valide.' in page
    assert 'class="form-select is-invalid"' in page


def test_the_delivery_list_filters_by_local_due_day(client_as):
    client = client_as("admin")
    late_evening = timezone.make_aware(timezone.datetime(2026, 10, 25, 23, 30))
    inside = NotificationFactory(due_at=late_evening, next_attempt_at=late_evening)
    NotificationFactory(due_at=late_evening + timedelta(hours=1), next_attempt_at=late_evening)

    response = client.get(reverse("notifications:admin_list"), {"since": "2026-10-25", "until": "2026-10-25"})

    assert [row.pk for row in response.context["rows"]] == [inside.pk]


def test_the_delivery_list_pages_by_keyset_with_a_constant_query_count(client_as, django_assert_max_num_queries):
    client = client_as("admin")
    NotificationFactory.create_batch(5)
    with django_assert_max_num_queries(16) as few:
        client.get(reverse("notifications:admin_list"))
    NotificationFactory.create_batch(35)
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("notifications:admin_list"))
    assert len(response.context["rows"]) == 25

    older = client.get(reverse("notifications:admin_list"), {"before": response.context["next_before"]})

    assert len(older.context["rows"]) == 15


def test_the_admin_sends_a_failed_message_again(client_as):
    client = client_as("admin")
    failed = NotificationFactory(status="failed", sent_at=None, attempts=6, last_error="timeout")

    response = client.post(reverse("notifications:admin_retry", args=[failed.pk]), follow=True)

    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("pending", 0)
    assert "Le message sera renvoyé dans la minute." in response.content.decode()
    assert AccessEvent.objects.filter(actor=client.user, action="update", object_id=str(failed.pk)).exists()


def test_only_a_failed_message_can_be_sent_again(client_as):
    client = client_as("admin")
    sent = NotificationFactory()

    response = client.post(reverse("notifications:admin_retry", args=[sent.pk]), follow=True)

    sent.refresh_from_db()
    assert sent.status == "sent"
    assert "Seul un message en échec peut être renvoyé." in response.content.decode()


def test_the_delivery_list_is_in_the_admins_menu_only(client_as):
    assert "Envois de messages" in client_as("admin").get(reverse("accounts:home")).content.decode()
    assert "Envois de messages" not in client_as("assistant").get(reverse("accounts:home")).content.decode()
