"""The 3 a.m. scenario in Chromium on a phone-sized screen (360×740), as people see it: dispatch
pages the on-call AC; the AC opens the link, taps through the lifecycle, adds a person with consent,
refers them to the BAV of Evere; the service acknowledges through its link. One run in Dutch;
drafts that survive a closed tab; screenshots of the main pages."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accounts.testing import current_code
from accounts.tests.factories import PASSWORD
from directory.models import Commune, Officer, PartnerService, PartnerServiceKind, PoliceUnit
from notifications.models import Notification
from notifications.services import sweep
from oncall.models import Shift
from victims.models import Callout, Referral

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


class Taps:
    """Counts what a person does: each click, choice and typed field is one interaction."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def click(self, locator):
        self.count += 1
        locator.click()

    def fill(self, locator, text):
        self.count += 1
        locator.fill(text)

    def select(self, locator, label):
        self.count += 1
        locator.select_option(label=label)


@pytest.fixture
def zone(make_user):
    """The rota running now, the dispatcher, and the BAV of Evere with an e-mail address."""
    now = timezone.now()
    ac = make_user("assistant", full_name="Sofia Benali", phone="+32470000002")
    backup = make_user("assistant", full_name="Thomas Peeters", phone="+32470000003", language="nl")
    Shift.objects.create(assistant=ac, starts_at=now - timedelta(hours=10), ends_at=now + timedelta(days=2))
    Shift.objects.create(
        assistant=backup, starts_at=now - timedelta(hours=10), ends_at=now + timedelta(days=2), role="backup"
    )
    dispatch = make_user("dispatch", full_name="Dispatching PolBruNo")
    unit = PoliceUnit.objects.create(code="INT", name_fr="Service d'intervention", name_nl="Interventiedienst")
    Officer.objects.create(first_name="Karim", last_name="El Amrani", unit=unit, phone="+32470555666")
    bav = PartnerService.objects.create(
        name_fr="BAV Evere",
        name_nl="Slachtofferbejegening Evere",
        kind=PartnerServiceKind.objects.get(code="bav"),
        commune=Commune.objects.get(code="evere"),
        email="bav.evere@example.org",
        language="fr",
    )
    return {"ac": ac, "backup": backup, "dispatch": dispatch, "bav": bav}


def sign_in_from_link(page, base_url, user, path="/", *, language="fr"):
    """Open a link while signed out: the sign-in pages, then straight to the link's page."""
    labels = {
        "fr": ("Adresse e-mail", "Mot de passe", "Continuer", "Se connecter"),
        "nl": ("E-mailadres", "Wachtwoord", "Doorgaan", "Aanmelden"),
    }[language]
    page.goto(base_url + path)
    page.get_by_label(labels[0]).fill(user.email)
    page.get_by_label(labels[1]).fill(PASSWORD)
    page.get_by_role("button", name=labels[2]).click()
    page.get_by_label("Code", exact=False).first.fill(current_code(user))
    page.get_by_role("button", name=labels[3]).click()
    page.wait_for_url(re.compile(re.escape(path) + "$"))


def page_link(user) -> str:
    notification = Notification.objects.get(kind="page", recipient=user, channel="sms")
    return notification.context["url"].replace("http://testserver", "")


def test_dispatch_pages_the_ac_who_logs_the_callout_refers_a_person_and_the_service_acknowledges(
    browser, live_server, zone, screenshot_dir
):
    # --- dispatch pages the on-call AC -------------------------------------------------------------
    dispatch_context = browser.new_context(viewport=PHONE, locale="fr-BE")
    dispatch = dispatch_context.new_page()
    sign_in_from_link(dispatch, live_server.url, zone["dispatch"])
    dispatch.get_by_role("link", name="Appeler l'AC de permanence").click()
    expect(dispatch.get_by_role("heading", name="Appeler l'AC de permanence")).to_be_visible()
    dispatch.get_by_label("Catégorie d'événement").select_option(label="Suicide")
    dispatch.get_by_label("Commune").select_option(label="Evere")
    dispatch.get_by_label("Lieu").fill("Rue Stroobants 48")
    dispatch.get_by_label("Policier demandeur").fill("El Am")
    dispatch.get_by_role("option", name=re.compile("Karim El Amrani")).click()
    expect(dispatch.get_by_label("Numéro de rappel")).to_have_value("+32470555666")
    dispatch.get_by_label("Une ligne de contexte").fill("Personne décédée, famille sur place")
    dispatch.screenshot(path=str(screenshot_dir / "victims-page-form-360.png"), full_page=True)
    dispatch.get_by_role("button", name="Appeler maintenant").click()
    expect(dispatch.get_by_text("L'AC de permanence est appelé(e).")).to_be_visible()
    expect(dispatch.locator(".status-badge").first).to_have_text("Demandée")
    callout = Callout.objects.get()
    assert callout.requesting_officer.last_name == "El Amrani"
    assert "Sofia Benali" in dispatch.locator(".paging-steps").inner_text()

    # --- the AC opens the link from the SMS, signs in, and logs the callout -------------------------
    ac_context = browser.new_context(viewport=PHONE, locale="fr-BE")
    ac = ac_context.new_page()
    sign_in_from_link(ac, live_server.url, zone["ac"], page_link(zone["ac"]))
    expect(ac.get_by_role("heading", name=re.compile(callout.reference))).to_be_visible()
    expect(ac.get_by_text("Rue Stroobants 48")).to_be_visible()
    ac.screenshot(path=str(screenshot_dir / "victims-callout-requested-360.png"), full_page=True)

    taps = Taps(ac)
    expect(ac.locator("#paging")).to_contain_text("Étape suivante à")
    taps.click(ac.get_by_role("button", name="Accepter"))
    expect(ac.locator("#lifecycle .status-badge")).to_have_text("Acceptée")
    expect(ac.locator("#paging")).not_to_contain_text("Étape suivante à")  # swapped without a reload
    taps.click(ac.get_by_role("button", name="Je pars"))
    expect(ac.locator("#lifecycle .status-badge")).to_have_text("En route")
    taps.click(ac.get_by_role("button", name="Sur place"))
    expect(ac.locator("#lifecycle .status-badge")).to_have_text("Sur place")
    taps.click(ac.get_by_role("button", name="Terminé"))
    expect(ac.get_by_text("Intervention terminée. Complétez-la maintenant, tant que c'est frais.")).to_be_visible()
    taps.select(ac.get_by_label("Mode"), "Sur place")
    taps.fill(ac.get_by_label("Résumé"), "Suicide d'un homme de 40 ans. Épouse et fils soutenus, BAV proposé.")
    ac.screenshot(path=str(screenshot_dir / "victims-callout-edit-360.png"), full_page=True)
    taps.click(ac.get_by_role("button", name="Enregistrer", exact=True))
    expect(ac.get_by_text("Intervention enregistrée.")).to_be_visible()
    assert taps.count <= 12, f"logging a minimal callout took {taps.count} interactions"
    callout.refresh_from_db()
    assert callout.status == "closed" and callout.mode == "on_site" and callout.summary.startswith("Suicide")
    assert callout.assistant == zone["ac"] and callout.ended_at >= callout.arrived_at >= callout.departed_at

    # --- a person, with consent, added on the page (htmx: no reload) --------------------------------
    url_before = ac.url
    ac.get_by_text("Ajouter une personne").click()
    ac.get_by_label("Rôle dans cette intervention").select_option(label="Proche d'une personne décédée")
    ac.get_by_label("Prénom").fill("Hélène")
    ac.get_by_label("Nom", exact=True).fill("Exemple-Martin")
    ac.get_by_label("Année de naissance").fill("1982")
    ac.get_by_label("Téléphone").fill("0470 98 76 54")
    ac.get_by_label("Accepte d'être contactée").check()
    ac.get_by_label("Accepte d'être orientée vers un service d'aide").check()
    ac.get_by_role("button", name="Enregistrer la personne").click()
    expect(ac.locator("#persons").get_by_role("link", name="Hélène Exemple-Martin")).to_be_visible()
    assert ac.url == url_before
    ac.set_viewport_size(PHONE)
    ac.screenshot(path=str(screenshot_dir / "victims-callout-detail-360.png"), full_page=True)
    ac.set_viewport_size({"width": 1280, "height": 900})
    ac.screenshot(path=str(screenshot_dir / "victims-callout-detail-1280.png"), full_page=True)
    ac.set_viewport_size(PHONE)

    # --- referred to the BAV of Evere, the sheet goes by e-mail --------------------------------------
    ac.locator("#persons").get_by_role("link", name="Orienter").click()
    expect(ac.get_by_role("heading", name="Orienter Hélène Exemple-Martin")).to_be_visible()
    expect(ac.get_by_label(re.compile("BAV Evere"))).to_be_checked()  # suggested: the BAV of the commune
    ac.get_by_label("Message pour le service").fill("Joignable après 18 h.")
    ac.screenshot(path=str(screenshot_dir / "victims-referral-form-360.png"), full_page=True)
    ac.get_by_role("button", name="Proposer l'orientation").click()
    ac.get_by_role("button", name="Envoyer à bav.evere@example.org").click()
    expect(ac.get_by_text("La fiche d'orientation part vers BAV Evere.")).to_be_visible()
    sweep()
    message = next(m for m in mail.outbox if m.to == ["bav.evere@example.org"])
    assert "Exemple-Martin" not in message.body
    link = re.search(r"http://testserver(/victims/r/[^/\s]+/)", message.body).group(1)

    # --- the service acknowledges through its link, without an account ---------------------------------
    service_context = browser.new_context(viewport=PHONE, locale="fr-BE")
    service = service_context.new_page()
    service.goto(live_server.url + link)
    expect(service.get_by_role("heading", name="Orientation vers BAV Evere")).to_be_visible()
    expect(service.get_by_text("Hélène Exemple-Martin")).to_be_visible()
    service.get_by_label("Prise en charge").check()
    service.get_by_label("Note pour l'AC (facultatif)").fill("Premier rendez-vous lundi.")
    service.screenshot(path=str(screenshot_dir / "victims-referral-ack-360.png"), full_page=True)
    service.get_by_role("button", name="Envoyer ma réponse").click()
    expect(service.get_by_text(re.compile("Votre réponse est enregistrée"))).to_be_visible()
    referral = Referral.objects.get()
    assert referral.status == "taken" and referral.service_note == "Premier rendez-vous lundi."

    # --- the AC sees the loop closed ------------------------------------------------------------------
    ac.reload()
    expect(ac.locator(".referral-badge")).to_have_text("Prise en charge")
    expect(ac.get_by_text("Premier rendez-vous lundi.")).to_be_visible()
    ac.screenshot(path=str(screenshot_dir / "victims-referral-detail-360.png"), full_page=True)
    ac.get_by_role("link", name="Hélène Exemple-Martin").first.click()
    expect(ac.get_by_role("heading", name="Hélène Exemple-Martin")).to_be_visible()
    ac.screenshot(path=str(screenshot_dir / "victims-person-360.png"), full_page=True)
    for context in (dispatch_context, ac_context, service_context):
        context.close()


def test_the_backup_ac_works_through_a_callout_in_dutch(browser, live_server, zone, make_user, screenshot_dir):
    from victims.services import escalate_due_pages, page_on_call
    from victims.tests.factories import category, commune

    callout, _created = page_on_call(
        by=zone["dispatch"], fields={"category": category("death-notification"), "commune": commune("evere")}
    )
    Callout.objects.filter(pk=callout.pk).update(escalate_at=timezone.now())
    escalate_due_pages()  # nobody accepted: the (Dutch-speaking) backup is paged

    context = browser.new_context(viewport=PHONE, locale="nl-BE")
    page = context.new_page()
    sign_in_from_link(page, live_server.url, zone["backup"], page_link(zone["backup"]), language="nl")
    expect(page.get_by_text("Slechtnieuwsmelding", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Oproepen")).to_be_visible()
    page.get_by_role("button", name="Aanvaarden").click()
    expect(page.locator("#lifecycle .status-badge")).to_have_text("Aanvaard")
    page.get_by_role("button", name="Ter plaatse").click()
    expect(page.locator("#lifecycle .status-badge")).to_have_text("Ter plaatse")
    expect(page.locator("#callout-status")).to_have_text("Ter plaatse")  # the title's badge follows
    page.screenshot(path=str(screenshot_dir / "victims-callout-nl-360.png"), full_page=True)
    page.get_by_role("button", name="Afgerond").click()
    expect(page.get_by_text("Tussenkomst afgerond. Vul ze nu aan, nu alles nog vers is.")).to_be_visible()
    callout.refresh_from_db()
    assert callout.status == "closed" and callout.assistant == zone["backup"]
    context.close()


def test_a_half_filled_form_survives_a_closed_tab_and_is_dropped_once_saved(browser, live_server, zone):
    from victims.tests.factories import AcceptedCalloutFactory

    callout = AcceptedCalloutFactory(assistant=zone["ac"])
    context = browser.new_context(viewport=PHONE, locale="fr-BE")
    page = context.new_page()
    sign_in_from_link(page, live_server.url, zone["ac"])
    edit = f"{live_server.url}/victims/c/{callout.public_id}/edit/"
    page.goto(edit)
    page.get_by_label("Résumé").fill("Brouillon tapé dans l'escalier")
    page.get_by_label("Numéro de procès-verbal (PV)").fill("BR.55.L7.012345/2026")
    page.close()  # the tab is closed (or the network dropped) before saving

    page = context.new_page()
    page.goto(edit)
    expect(page.get_by_text("Vous avez des modifications non enregistrées de")).to_be_visible()
    expect(page.get_by_label("Résumé")).to_have_value("")
    page.get_by_role("button", name="Les reprendre").click()
    expect(page.get_by_label("Résumé")).to_have_value("Brouillon tapé dans l'escalier")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_text("Intervention enregistrée.")).to_be_visible()
    callout.refresh_from_db()
    assert callout.summary == "Brouillon tapé dans l'escalier" and callout.pv_number == "BR.55.L7.012345/2026"

    page.goto(edit)
    expect(page.get_by_label("Résumé")).to_have_value("Brouillon tapé dans l'escalier")
    expect(page.get_by_text("Vous avez des modifications non enregistrées de")).to_be_hidden()
    stored = page.evaluate("JSON.stringify(Object.assign({}, window.localStorage))")
    assert "concertation-draft" not in stored

    # Identity fields of a person are never kept in the browser.
    page.goto(f"{live_server.url}/victims/c/{callout.public_id}/")
    page.get_by_text("Ajouter une personne").click()
    page.get_by_label("Prénom").fill("Zoé")
    page.get_by_label("Nom", exact=True).fill("Secrète")
    assert "Secrète" not in page.evaluate("JSON.stringify(Object.assign({}, window.localStorage))")

    # Signing out — here from the home page — clears what is left.
    page.goto(edit)
    page.get_by_label("Résumé").fill("Encore un brouillon")
    page.goto(f"{live_server.url}/")
    assert "concertation-draft" in page.evaluate("JSON.stringify(Object.assign({}, window.localStorage))")
    page.get_by_role("button", name="Ouvrir le menu").click()
    page.get_by_role("button", name="Se déconnecter").click()
    assert "concertation-draft" not in page.evaluate("JSON.stringify(Object.assign({}, window.localStorage))")
    context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_screenshots_of_the_callout_list(page, live_server, zone, width, screenshot_dir):
    from victims.tests.factories import ClosedCalloutFactory, InvolvementFactory

    for _ in range(3):
        InvolvementFactory(callout=ClosedCalloutFactory(assistant=zone["ac"]))
    page.set_viewport_size({"width": width, "height": 900})
    sign_in_from_link(page, live_server.url, zone["ac"])
    page.goto(f"{live_server.url}/victims/")
    expect(page.get_by_role("heading", name="Interventions")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / f"victims-list-{width}.png"), full_page=True)
    page.goto(f"{live_server.url}/")
    page.screenshot(path=str(screenshot_dir / f"victims-home-{width}.png"), full_page=True)


NIGHT_LABELS = {
    "fr": {
        "accept": "Accepter",
        "en_route": "Je pars",
        "on_scene": "Sur place",
        "finished": "Terminé",
        "mode": "Mode",
        "on_site": "Sur place",
        "summary": "Résumé",
        "save": "Enregistrer",
        "saved": "Intervention enregistrée.",
        "add_person": "Ajouter une personne",
        "role": "Rôle dans cette intervention",
        "bereaved": "Proche d'une personne décédée",
        "first_name": "Prénom",
        "save_person": "Enregistrer la personne",
        "next_step": "Étape suivante à",
    },
    "nl": {
        "accept": "Aanvaarden",
        "en_route": "Ik vertrek",
        "on_scene": "Ter plaatse",
        "finished": "Afgerond",
        "mode": "Wijze",
        "on_site": "Ter plaatse",
        "summary": "Samenvatting",
        "save": "Opslaan",
        "saved": "Tussenkomst opgeslagen.",
        "add_person": "Een persoon toevoegen",
        "role": "Rol in deze tussenkomst",
        "bereaved": "Nabestaande",
        "first_name": "Voornaam",
        "save_person": "De persoon opslaan",
        "next_step": "Volgende stap om",
    },
}


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_the_paged_ac_logs_the_callout_in_at_most_twelve_interactions_after_signing_in(
    browser, live_server, zone, language, screenshot_dir
):
    """Measured as the field test did, at 360×740: from the home page after sign-in, accept, the
    lifecycle, the minimal completion and one person with their role. Each tap, choice or typed
    field counts one."""
    from victims.services import page_on_call
    from victims.tests.factories import category, commune

    labels = NIGHT_LABELS[language]
    ac_user = zone["ac"]
    ac_user.language = language
    ac_user.save()
    callout, _created = page_on_call(
        by=zone["dispatch"],
        fields={"category": category("death-notification"), "commune": commune("evere"), "place": "Rue Stroobants 48"},
    )
    context = browser.new_context(viewport=PHONE, locale=f"{language}-BE")
    ac = context.new_page()
    sign_in_from_link(ac, live_server.url, ac_user, "/", language=language)

    card = ac.locator("#paged-card").locator("xpath=ancestor::section[1]")
    accept = card.get_by_role("button", name=labels["accept"])
    expect(card.get_by_text("Rue Stroobants 48")).to_be_visible()
    box = accept.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], "Accept is on the first screen, without scrolling"
    ac.screenshot(path=str(screenshot_dir / f"victims-home-paged-{language}-360.png"))

    taps = Taps(ac)
    taps.click(accept)
    expect(ac.get_by_role("heading", name=re.compile(callout.reference))).to_be_visible()
    expect(ac.locator("#paging")).not_to_contain_text(labels["next_step"])
    taps.click(ac.get_by_role("button", name=labels["en_route"]))
    expect(ac.locator("#lifecycle").get_by_role("button", name=labels["on_scene"])).to_be_visible()
    taps.click(ac.locator("#lifecycle").get_by_role("button", name=labels["on_scene"]))
    taps.click(ac.get_by_role("button", name=labels["finished"]))
    taps.select(ac.get_by_label(labels["mode"]), labels["on_site"])
    taps.fill(ac.get_by_label(labels["summary"]), "Annonce de décès à la famille, fils soutenu.")
    taps.click(ac.get_by_role("button", name=labels["save"], exact=True))
    expect(ac.get_by_text(labels["saved"])).to_be_visible()
    taps.click(ac.get_by_text(labels["add_person"]))
    taps.select(ac.get_by_label(labels["role"]), labels["bereaved"])
    taps.fill(ac.get_by_label(labels["first_name"]), "Pieter")
    taps.click(ac.get_by_role("button", name=labels["save_person"]))
    expect(ac.locator("#persons").get_by_role("link", name="Pieter")).to_be_visible()

    assert taps.count <= 12, f"{taps.count} interactions in {language}"
    callout.refresh_from_db()
    person = callout.involvements.get().person
    assert callout.status == "closed" and callout.assistant == ac_user and callout.mode == "on_site"
    assert person.language == language, "the person speaks the AC's language unless the AC says otherwise"
    print(f"3 a.m. flow in {language}: {taps.count} interactions after sign-in")
    context.close()
