"""In Chromium, as people see it: the admin builds the rota, a swap changes hands, dispatch calls."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.testing import current_code
from oncall import timeline
from oncall.models import Rotation, Shift
from oncall.tests.factories import AssistantFactory, ShiftFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def sign_in(page, live_server_url, user, *, language="fr"):
    from accounts.tests.factories import PASSWORD

    labels = {
        "fr": ("Adresse e-mail", "Mot de passe", "Continuer", "Code", "Se connecter"),
        "nl": ("E-mailadres", "Wachtwoord", "Doorgaan", "Code", "Aanmelden"),
    }[language]
    page.goto(f"{live_server_url}/sign-in/")
    page.get_by_label(labels[0]).fill(user.email)
    page.get_by_label(labels[1]).fill(PASSWORD)
    page.get_by_role("button", name=labels[2]).click()
    page.get_by_label(labels[3]).fill(current_code(user))
    page.get_by_role("button", name=labels[4]).click()
    page.wait_for_url(f"{live_server_url}/")


def shoot(page, screenshot_dir, name):
    for label, size in (("360", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(size)
        page.wait_for_timeout(300)  # let the chart and the layout follow the new width
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], f"{name} scrolls sideways"
        page.screenshot(path=str(screenshot_dir / f"oncall-{name}-{label}.png"), full_page=True)


def test_the_admin_creates_a_rotation_of_four_and_generates_two_months(page, live_server, make_user, screenshot_dir):
    admin = make_user("admin", full_name="Coordination AC")
    team = [
        AssistantFactory(full_name=name, phone=f"+3247055500{i}")
        for i, name in enumerate(["Anne Dubois", "Bart Peeters", "Chloé Lambert", "Driss Benali"])
    ]
    monday = timezone.localdate() + timedelta(days=7 - timezone.localdate().weekday())
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server.url, admin)

    page.get_by_role("link", name="Rôle de garde").first.click()
    page.get_by_role("link", name="Roulements").click()
    page.get_by_role("link", name="Nouveau roulement").click()
    page.get_by_label("Nom").fill("Permanence AC")
    page.get_by_label("Niveau").select_option(label="principale")
    page.get_by_label("Durée d'une garde").select_option(label="1 semaine")
    page.get_by_label("Jour de relève").select_option(label="lundi")
    page.get_by_label("Heure de relève").fill("09:00")
    page.get_by_label("Date de début").fill(monday.isoformat())
    for number, person in enumerate(team, start=1):
        page.get_by_label(f"Assistant(e) n° {number}", exact=False).select_option(label=person.full_name)
    shoot(page, screenshot_dir, "rotation-form")
    page.get_by_role("button", name="Enregistrer").click()

    expect(page.get_by_text("Roulement créé. Générez maintenant ses gardes.")).to_be_visible()
    page.get_by_label("Nombre de semaines").fill("9")
    page.get_by_role("button", name="Générer").click()

    expect(page.get_by_text(re.compile(r"Rôle de garde mis à jour\. Gardes créées : 9,"))).to_be_visible()
    rotation = Rotation.objects.get()
    assert rotation.ordered_members() == team
    shifts = list(Shift.objects.order_by("starts_at"))
    assert len(shifts) == 9 and [s.assistant for s in shifts[:5]] == [*team, team[0]]
    assert {timeline.wall(s.starts_at).strftime("%a %H:%M") for s in shifts} == {"Mon 09:00"}
    assert all(a.ends_at == b.starts_at for a, b in zip(shifts, shifts[1:], strict=False))
    shoot(page, screenshot_dir, "rotation-detail")

    page.goto(f"{live_server.url}/oncall/month/?date={(monday + timedelta(days=14)).isoformat()}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rôle de garde")
    expect(page.get_by_role("link", name=re.compile("Chloé Lambert")).first).to_be_visible()
    shoot(page, screenshot_dir, "month")
    page.goto(f"{live_server.url}/oncall/?date={monday.isoformat()}")
    shoot(page, screenshot_dir, "week")
    page.goto(f"{live_server.url}/oncall/day/?date={monday.isoformat()}")
    shoot(page, screenshot_dir, "day")

    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    end = monday + timedelta(weeks=9)
    page.goto(f"{live_server.url}/oncall/fairness/?start={monday.isoformat()}&end={end.isoformat()}")
    expect(page.get_by_role("rowheader", name="Anne Dubois")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Heures par assistant"))).to_be_visible()
    page.wait_for_function("document.getElementById('fairness-chart').width > 0")
    shoot(page, screenshot_dir, "fairness")
    page.goto(f"{live_server.url}/oncall/coverage/?days=30")
    expect(page.get_by_text(re.compile("trou"))).to_be_visible()  # today until next Monday is not covered
    shoot(page, screenshot_dir, "coverage")
    assert errors == []  # no script blocked by the CSP, no JavaScript error


def test_an_assistant_offers_a_swap_and_a_colleague_takes_it(page, browser, live_server, screenshot_dir):
    anne = AssistantFactory(full_name="Anne Dubois")
    bart = AssistantFactory(full_name="Bart Peeters")
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=3)
    ShiftFactory(assistant=anne, starts_at=start, ends_at=start + timedelta(days=7))
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, anne)

    card = page.get_by_role("region", name="Mes prochaines gardes")
    card.get_by_role("link").first.click()
    page.get_by_role("link", name="Proposer un échange").click()
    swap_start = start + timedelta(days=2, hours=10)  # Thursday 19:00 → Friday 09:00
    page.get_by_label("Du").fill(swap_start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Jusqu'à").fill((swap_start + timedelta(hours=14)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Motif").fill("Anniversaire de ma fille")
    expect(page.get_by_text("Bart Peeters")).to_be_visible()  # free for the whole shift
    page.screenshot(path=str(screenshot_dir / "oncall-swap-form-360.png"), full_page=True)
    page.get_by_role("button", name="Publier la demande").click()
    expect(page.get_by_text("Votre demande est publiée. Les collègues disponibles ont été prévenus.")).to_be_visible()

    other = browser.new_page(viewport=PHONE, locale="fr-BE")
    sign_in(other, live_server.url, bart)
    other.get_by_role("link", name="1 collègue demande un échange").click()
    other.get_by_role("link", name=re.compile(r"→")).first.click()
    expect(other.get_by_text("Anniversaire de ma fille")).to_be_visible()
    other.screenshot(path=str(screenshot_dir / "oncall-swap-detail-360.png"), full_page=True)
    other.get_by_role("button", name="Je reprends cette garde").click()

    expect(other.get_by_text("Merci : la garde est à vous pour cette période.")).to_be_visible()
    expect(other.get_by_text("effectué")).to_be_visible()
    override = Shift.objects.get(source="override")
    assert override.assistant == bart and override.starts_at == swap_start
    assert Shift.objects.of(anne).count() == 2  # before and after the swapped night
    other.close()


def test_dispatch_opens_who_is_on_call_now_on_a_phone_and_sees_the_tap_to_call_number(
    page, browser, live_server, make_user, screenshot_dir
):
    now = timezone.now()
    anne = AssistantFactory(full_name="Anne Dubois", phone="+32470123456")
    bart = AssistantFactory(full_name="Bart Peeters", phone="+32471987654")
    chloe = AssistantFactory(full_name="Chloé Lambert", phone="+32472000111")
    handover = now + timedelta(hours=5)
    ShiftFactory(assistant=anne, starts_at=now - timedelta(days=1), ends_at=handover)
    ShiftFactory(assistant=chloe, starts_at=handover, ends_at=handover + timedelta(days=7))
    ShiftFactory(assistant=bart, role="backup", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=6))
    dispatch = make_user("dispatch", full_name="Dispatching Nord")
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, dispatch)

    page.get_by_role("button", name=re.compile("menu", re.I)).click()
    page.get_by_role("link", name="De permanence", exact=True).click()

    expect(page.get_by_role("heading", name="Qui est de permanence maintenant")).to_be_visible()
    call = page.get_by_role("link", name="Appeler le +32 470 12 34 56")
    expect(call).to_be_visible()
    expect(call).to_have_attribute("href", "tel:+32470123456")
    box = call.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300  # a big thumb target
    expect(page.get_by_role("link", name="Appeler le +32 471 98 76 54")).to_be_visible()  # the backup
    expect(page.get_by_text(re.compile(r"Prochaine relève .*Chloé Lambert"))).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "oncall-now-360.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(screenshot_dir / "oncall-now-1280.png"), full_page=True)

    dutch = browser.new_page(viewport=PHONE, locale="nl-BE")
    sign_in(dutch, live_server.url, make_user("dispatch", language="nl"), language="nl")
    dutch.goto(f"{live_server.url}/oncall/now/")
    expect(dutch.get_by_role("heading", name="Wie heeft nu permanentie")).to_be_visible()
    expect(dutch.get_by_role("link", name="+32 470 12 34 56 bellen")).to_have_attribute("href", "tel:+32470123456")
    dutch.close()
