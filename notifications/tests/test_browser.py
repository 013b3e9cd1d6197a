"""In Chromium, as people see it: the bell, the inbox, mark read; the preferences; the admin list."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from accounts.testing import current_code
from notifications.tests.factories import NotificationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}


def browser_sign_in(page, live_server_url, user):
    """Sign in through the real pages in French. (accounts.testing.browser_sign_in looks the
    password field up by its exact label, which the required-field asterisk changes.)"""
    from accounts.tests.factories import PASSWORD

    page.goto(f"{live_server_url}/sign-in/")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Code").fill(current_code(user))
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{live_server_url}/")


def test_the_bell_shows_an_unread_message_the_inbox_opens_it_and_marks_it_read(
    page, live_server, make_user, screenshot_dir
):
    user = make_user("assistant", full_name="Anne Dubois")
    NotificationFactory(recipient=user, subject="Votre permanence a été modifiée : jeudi 12 mars, 07:00")
    NotificationFactory(
        recipient=user,
        subject="Rappel : votre permanence commence demain à 07:00",
        link=f"{settings.SITE_URL}/profile/",
    )
    page.set_viewport_size(PHONE)
    browser_sign_in(page, live_server.url, user)

    bell = page.get_by_role("link", name="Notifications : 2 non lues")
    expect(bell).to_be_visible()
    expect(bell).to_contain_text("2")
    bell.click()

    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    reminder = page.get_by_role("listitem").filter(has_text="Rappel : votre permanence commence demain à 07:00")
    expect(reminder).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "notifications-inbox-360.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(screenshot_dir / "notifications-inbox-1280.png"), full_page=True)

    reminder.get_by_role("button", name="Ouvrir").click()

    expect(page).to_have_url(re.compile(r"/profile/$"))
    expect(page.get_by_role("link", name="Notifications : 1 non lue")).to_be_visible()

    page.get_by_role("link", name="Notifications : 1 non lue").click()
    change = page.get_by_role("listitem").filter(has_text="Votre permanence a été modifiée")
    change.get_by_role("button", name="Marquer comme lu").click()

    expect(page.get_by_role("link", name="Notifications : aucune non lue")).to_be_visible()
    expect(page.get_by_role("button", name="Marquer comme lu", exact=True)).to_have_count(0)


def test_a_dutch_speaking_assistant_marks_everything_read(page, live_server, make_user):
    user = make_user("assistant", full_name="Bart Peeters", language="nl")
    NotificationFactory.create_batch(3, recipient=user, subject="Overdracht: uw permanentie begint om 07:00")
    browser_sign_in(page, live_server.url, user)

    page.get_by_role("link", name="Meldingen: 3 ongelezen").click()
    expect(page.get_by_role("heading", name="Meldingen", level=1)).to_be_visible()
    page.get_by_role("button", name="Alles als gelezen markeren").click()

    expect(page.get_by_text("Alle berichten zijn als gelezen gemarkeerd.")).to_be_visible()
    expect(page.get_by_role("link", name="Meldingen: geen ongelezen")).to_be_visible()


def test_an_assistant_chooses_sms_for_reminders_and_sends_a_test(page, live_server, make_user, screenshot_dir):
    from notifications import kinds
    from notifications.models import Notification, NotificationPreference

    user = make_user("assistant", full_name="Anne Dubois", phone="")
    browser_sign_in(page, live_server.url, user)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/profile/")

    section = page.locator("section", has=page.get_by_role("heading", name="Notifications"))
    expect(section.get_by_text("Un numéro de mobile est nécessaire pour les SMS").first).to_be_visible()
    section.scroll_into_view_if_needed()
    section.screenshot(path=str(screenshot_dir / "notifications-preferences-360.png"))
    first_kind = kinds.configurable(user)[0]
    section.get_by_label(f"{first_kind.label} : SMS").check()
    section.get_by_label("1 heure avant", exact=True).uncheck()
    section.get_by_label("4 heures avant", exact=True).check()
    section.get_by_role("button", name="Enregistrer mes préférences").click()

    expect(page.get_by_text("Vos préférences de notification sont enregistrées.")).to_be_visible()
    preference = NotificationPreference.objects.get(user=user)
    assert "sms" in preference.channels[first_kind.code]
    assert preference.lead_minutes == [1440, 240]

    page.get_by_role("button", name="M'envoyer un message de test").click()
    expect(page.get_by_text("Un message de test est en route.")).to_be_visible()
    assert sorted(Notification.objects.filter(recipient=user).values_list("channel", flat=True)) == [
        "email",
        "in_app",
    ]


def test_the_admin_sees_delivery_problems_and_sends_a_failed_message_again(
    page, live_server, make_user, screenshot_dir
):
    admin = make_user("admin", full_name="Claire Admin")
    colleague = make_user("assistant", full_name="Anne Dubois")
    NotificationFactory.create_batch(4, recipient=colleague, channel="email", subject="Rappel de permanence")
    NotificationFactory(
        recipient=colleague,
        channel="sms",
        status="failed",
        sent_at=None,
        attempts=6,
        subject="Appel : intervention INT-2026-0042",
        last_error="SMS gateway answered HTTP 503: service unavailable",
    )
    browser_sign_in(page, live_server.url, admin)
    page.set_viewport_size(DESKTOP)

    page.get_by_role("link", name="Envois de messages").click()
    expect(page.get_by_role("heading", name="Envois de messages")).to_be_visible()
    page.get_by_label("Statut").select_option(label="Échec")
    page.get_by_role("button", name="Filtrer").click()
    row = page.get_by_role("row").filter(has_text="SMS gateway answered HTTP 503")
    expect(row).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Rappel de permanence")).to_have_count(0)
    page.screenshot(path=str(screenshot_dir / "notifications-deliveries-1280.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(screenshot_dir / "notifications-deliveries-360.png"), full_page=True)

    row.get_by_role("button", name="Renvoyer").click()

    expect(page.get_by_text("Le message sera renvoyé dans la minute.")).to_be_visible()
