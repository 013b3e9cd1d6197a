"""The foundation's flows in Chromium, as a person sees them: labels, buttons, visible text."""

import base64
import io
import re

import pytest
from django.core import mail
from django_otp.oath import totp
from playwright.sync_api import expect

from accounts.models import User
from accounts.testing import browser_sign_in
from accounts.tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def code_for_key(manual_key: str) -> str:
    key = manual_key.replace(" ", "")
    return f"{totp(base64.b32decode(key + '=' * (-len(key) % 8))):06d}"


def test_first_sign_in_sets_up_the_authenticator_and_shows_the_backup_codes(
    page, live_server, make_user, screenshot_dir
):
    user = make_user("assistant", authenticator=False, full_name="Marie Dupont")
    page.set_viewport_size({"width": 360, "height": 800})

    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Continuer").click()

    expect(page.get_by_role("heading", name="Configurez votre application d'authentification")).to_be_visible()
    expect(page.get_by_role("img", name="Code QR à scanner avec l'application d'authentification")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "enrol-360.png"), full_page=True)
    manual_key = page.get_by_test_id("manual-key").inner_text()
    page.get_by_label("Code de l'application").fill("123")
    page.get_by_role("button", name="Confirmer").click()
    expect(page.get_by_text("Saisissez les 6 chiffres affichés par l'application.")).to_be_visible()

    page.get_by_label("Code de l'application").fill(code_for_key(manual_key))
    page.get_by_role("button", name="Confirmer").click()

    expect(page.get_by_role("heading", name="Codes de secours")).to_be_visible()
    codes = page.get_by_test_id("backup-codes").get_by_role("listitem").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{8}", code) for code in codes)
    page.screenshot(path=str(screenshot_dir / "backup-codes-360.png"), full_page=True)
    page.get_by_role("link", name="J'ai conservé mes codes").click()
    expect(page.get_by_role("heading", name="Bonjour, Marie Dupont")).to_be_visible()

    # the codes were shown once: coming back shows how many are left, not the codes
    page.goto(f"{live_server.url}/profile/backup-codes/")
    expect(page.get_by_text("Il vous reste 10 codes de secours inutilisés.")).to_be_visible()
    assert codes[0] not in page.content()


def test_a_person_switches_the_interface_to_dutch_and_it_stays_dutch(
    page, browser, browser_context_args, live_server, make_user
):
    user = make_user("assistant", full_name="Wim Peeters")
    browser_sign_in(page, live_server.url, user)
    expect(page.get_by_role("heading", name="Bonjour, Wim Peeters")).to_be_visible()

    page.get_by_role("button", name="Nederlands").click()

    expect(page.get_by_role("heading", name="Hallo, Wim Peeters")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("link", name="Startpagina")).to_be_visible()
    expect(page.get_by_role("link", name="Diensten voor slachtoffers")).to_be_visible()
    expect(page.get_by_role("button", name="Afmelden")).to_be_visible()
    expect(page.get_by_text("Mijn recente aanmeldingen")).to_be_visible()
    assert "Bonjour" not in page.content() and "Se déconnecter" not in page.content()
    page.get_by_role("link", name="Diensten voor slachtoffers").click()
    expect(page.get_by_label("Zoeken")).to_be_visible()
    page.get_by_role("button", name="Afmelden").click()
    expect(page.get_by_role("heading", name="Aanmelden")).to_be_visible()

    # On another browser (no cookie), sign-in starts in French, then the profile's Dutch takes over.
    user.refresh_from_db()
    assert user.language == "nl"
    other = browser.new_context(**browser_context_args)
    elsewhere = other.new_page()
    _sign_in_with_next_code(elsewhere, live_server.url, user)
    expect(elsewhere.get_by_role("heading", name="Hallo, Wim Peeters")).to_be_visible()
    other.close()


def _sign_in_with_next_code(page, url, user):
    """Sign in (French labels before sign-in). The code of this 30-second step was already used by
    the first browser and would be refused as a replay: wait for the app's next code, as a person would."""
    import time

    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user)
    while device.last_t >= int(time.time()) // 30:
        time.sleep(0.5)
        device.refresh_from_db()
    browser_sign_in(page, url, user)


def test_the_administrator_creates_an_account_with_a_role_and_the_invitation_leaves(page, live_server, make_user):
    admin = make_user("admin", full_name="Sophie Lambert")
    browser_sign_in(page, live_server.url, admin)

    page.get_by_role("link", name="Utilisateurs").click()
    page.get_by_role("link", name="Nouveau compte").click()
    page.get_by_label("Adresse e-mail").fill("nele.dhooghe@example.org")
    page.get_by_label("Nom complet").fill("Nele D'Hooghe")
    page.get_by_label("Téléphone").fill("0470 12 34 56")
    page.get_by_role("combobox", name="Langue").select_option(label="Nederlands")
    page.get_by_label("Assistant(e) de concertation").check()
    page.get_by_role("button", name="Créer le compte").click()

    expect(page.get_by_text("Compte créé. Un e-mail invite Nele D'Hooghe à choisir un mot de passe.")).to_be_visible()
    expect(page.get_by_role("heading", name="Nele D'Hooghe")).to_be_visible()
    expect(page.get_by_text("+32 470 12 34 56")).to_be_visible()
    created = User.objects.get(email="nele.dhooghe@example.org")
    assert created.role_codes == {"assistant"}
    assert len(mail.outbox) == 1
    invitation = mail.outbox[0]
    assert invitation.to == ["nele.dhooghe@example.org"]
    assert invitation.subject == "Uw account · Concertation"
    assert "Sophie Lambert heeft een account voor u aangemaakt" in invitation.body


@pytest.mark.parametrize("width", [360, 1280])
def test_screenshots_of_the_home_page(page, live_server, make_user, screenshot_dir, width):
    from accounts import services
    from directory import demo

    user = make_user("assistant", "admin", "dpo", full_name="Marie-Christine Vandenberghe-Lefèvre")
    services.new_backup_codes(user)
    make_user("chef", authenticator=False, full_name="Jean-Pierre Dubois")
    demo.load(io.StringIO())
    page.set_viewport_size({"width": width, "height": 900})
    browser_sign_in(page, live_server.url, user)

    expect(page.get_by_role("heading", name="Bonjour, Marie-Christine Vandenberghe-Lefèvre")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / f"home-{width}.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}px"
    if width == 360:
        page.get_by_role("button", name="Ouvrir le menu").click()
        expect(page.get_by_role("link", name="Journal des accès")).to_be_visible()
        expect(page.locator("#main-menu")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))  # opened, not opening
        page.screenshot(path=str(screenshot_dir / "home-menu-360.png"), full_page=True)
    for name, path in [("profile", "/profile/"), ("journal", "/journal/"), ("users", "/users/")]:
        page.goto(f"{live_server.url}{path}")
        page.screenshot(path=str(screenshot_dir / f"{name}-{width}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}px"


def test_the_keyboard_reaches_the_content_first_and_sees_where_it_is(page, live_server, make_user):
    browser_sign_in(page, live_server.url, make_user("assistant"))

    page.keyboard.press("Tab")

    skip = page.get_by_role("link", name="Aller au contenu")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineWidth")
    assert outline == "3px"
    skip.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_screenshot_of_the_sign_in_page(page, live_server, screenshot_dir):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/sign-in/")

    expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "sign-in-360.png"), full_page=True)
