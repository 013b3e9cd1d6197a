"""Chefs de corps see callouts (category, commune, times, help given, referrals by service) without
any name, contact or free-text note; dispatch sees only what it paged. Asserted on the rendered
HTML of every page they can open, with names and notes seeded everywhere."""

import re
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts import roles
from victims.models import AssistanceAction, CoachedOfficer
from victims.tests.factories import (
    AcceptedCalloutFactory,
    ActionFactory,
    FollowUpFactory,
    InvolvementFactory,
    PersonFactory,
    ReferralFactory,
)

pytestmark = pytest.mark.django_db

SECRETS = [
    "Zébulon",  # first name
    "Wauthier-Secret",  # last name
    "+32475999888",  # phone
    "475 99 98 88",
    "zebulon@example.org",
    "Rue Secrète 99",  # person's address
    "NOTE-PERSONNE-CONFIDENTIELLE",
    "RESUME-CONFIDENTIEL",
    "Avenue Cachée 7",  # place
    "CONTEXTE-CONFIDENTIEL",
    "BR.55.L7.000777/2026",
    "+3222490077",  # call-back number
    "NOTE-AIDE-CONFIDENTIELLE",
    "EXPLICATION-CONFIDENTIELLE",
    "Officier-Nommé",
    "MESSAGE-SERVICE-CONFIDENTIEL",
    "NOTE-SUIVI-CONFIDENTIELLE",
    "REPONSE-SERVICE-CONFIDENTIELLE",
    "1977",  # birth year
]


@pytest.fixture
def seeded():
    callout = AcceptedCalloutFactory(
        summary="RESUME-CONFIDENTIEL",
        place="Avenue Cachée 7",
        context="CONTEXTE-CONFIDENTIEL",
        pv_number="BR.55.L7.000777/2026",
        callback_phone="+3222490077",
        requesting_officer_name="Officier-Nommé",
        debrief_needed=True,
    )
    person = PersonFactory(
        first_name="Zébulon",
        last_name="Wauthier-Secret",
        phone="+32475999888",
        email="zebulon@example.org",
        address="Rue Secrète 99",
        notes="NOTE-PERSONNE-CONFIDENTIELLE",
        birth_year=1977,
        age_band="30-49",
    )
    InvolvementFactory(callout=callout, person=person)
    ActionFactory(
        callout=callout,
        person=person,
        note="NOTE-AIDE-CONFIDENTIELLE, Zébulon Wauthier-Secret accompagné",  # a name typed in a note
        kind=AssistanceAction.Kind.PRACTICAL,
    )
    CoachedOfficer.objects.create(
        callout=callout, officer_name="Officier-Nommé", explained="EXPLICATION-CONFIDENTIELLE"
    )
    referral = ReferralFactory(
        callout=callout,
        person=person,
        message="MESSAGE-SERVICE-CONFIDENTIEL",
        service_note="REPONSE-SERVICE-CONFIDENTIELLE",
    )
    FollowUpFactory(callout=callout, note="NOTE-SUIVI-CONFIDENTIELLE")
    return callout, referral


def _shown(secret: str, text: str) -> bool:
    # A number is a leak only as a word of its own: a random id or token (hex UUIDs, CSRF tokens,
    # phone numbers of other users) may hold "1977" among other characters.
    if secret.isdigit():
        return re.search(rf"(?<![\w-]){secret}(?![\w-])", text) is not None
    return secret in text


def assert_no_secrets(text: str, where: str):
    leaked = [secret for secret in SECRETS if _shown(secret, text)]
    assert not leaked, f"{where} shows {leaked}"


def chef_pages(callout):
    detail = reverse("victims:callout_detail", kwargs={"public_id": callout.public_id})
    return [
        reverse("accounts:home"),
        reverse("victims:callout_list"),
        reverse("victims:callout_list") + "?q=confidentiel",
        detail,
    ]


def test_chef_sees_no_names_contacts_or_notes_on_any_page(client_as, seeded):
    callout, referral = seeded
    chef = client_as("chef")
    opened = []
    for url in chef_pages(callout):
        response = chef.get(url)
        assert response.status_code == 200, url
        assert_no_secrets(response.content.decode(), url)
        opened.append(url)
    detail = chef.get(chef_pages(callout)[-1]).content.decode()
    # What the chef does see: category, commune, times, help given, referrals by service.
    assert callout.category.name_fr in detail and callout.commune.name_fr in detail
    assert "Aide pratique" in detail or "Practical help" in detail
    assert referral.service.name_fr in detail
    assert callout.reference in detail


def test_every_victims_page_a_chef_may_open_is_covered_by_the_test():
    chef_urls = {
        name
        for name, rule in roles.URL_ACCESS.items()
        if name.startswith("victims:") and rule != roles.PUBLIC and roles.CHEF in rule
    }
    assert chef_urls == {"victims:callout_list", "victims:callout_detail", "victims:callout_export"}


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_chef_exports_have_no_names_or_notes(client_as, seeded, file_format):
    callout, referral = seeded
    response = client_as("chef").get(reverse("victims:callout_export"), {"format": file_format})
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if file_format == "xlsx":
        sheet = load_workbook(BytesIO(content)).active
        text = "\n".join(
            " ".join(str(cell) for cell in row if cell is not None) for row in sheet.iter_rows(values_only=True)
        )
    else:
        text = content.decode("utf-8-sig")
    assert callout.reference in text and referral.service.name_fr in text
    assert_no_secrets(text, f"export {file_format}")


def test_only_the_coordination_exports_identities(client_as, seeded):
    callout, _referral = seeded
    assistant = client_as("assistant").get(reverse("victims:callout_export"), {"format": "csv"})
    admin = client_as("admin").get(reverse("victims:callout_export"), {"format": "csv"})
    assert "Wauthier-Secret" not in b"".join(assistant.streaming_content).decode()
    admin_text = b"".join(admin.streaming_content).decode()
    assert "Wauthier-Secret" in admin_text and "RESUME-CONFIDENTIEL" in admin_text


def test_dispatch_sees_status_and_times_of_its_page_but_no_names(client_as, seeded):
    callout, _referral = seeded
    dispatch = client_as("dispatch")
    callout.requested_by = dispatch.user
    callout.save()
    detail = reverse("victims:callout_detail", kwargs={"public_id": callout.public_id})

    for url in (reverse("accounts:home"), reverse("victims:callout_page"), detail):
        response = dispatch.get(url)
        assert response.status_code == 200
        assert_no_secrets(response.content.decode(), url)
    assert callout.assistant.full_name in dispatch.get(detail).content.decode()


def test_chef_and_dispatch_cannot_open_person_or_referral_pages(client_as, seeded):
    callout, referral = seeded
    person = callout.involvements.get().person
    for role in ("chef", "dispatch"):
        client = client_as(role)
        for url in (
            reverse("victims:person_detail", kwargs={"public_id": person.public_id}),
            reverse("victims:referral_detail", kwargs={"public_id": referral.public_id}),
            reverse("victims:person_search") + "?q=Wauthier&motif=curiosite",
            reverse("victims:followup_list"),
        ):
            assert client.get(url).status_code == 403, (role, url)


def test_the_admin_sees_that_a_debrief_is_pending_but_not_why(client_as, seeded):
    callout, _referral = seeded
    html = client_as("admin").get(reverse("accounts:home")).content.decode()
    assert callout.assistant.full_name in html
    home_card = html.split('id="debriefs-card"')[1].split("</section>")[0]
    assert callout.category.name_fr not in home_card and callout.reference not in home_card


# What an AC typed, one word or phrase per free-text field; the first five are searchable by the
# ACs (full text), so the test proves they are really there to be found.
TYPED = {
    "summary": "resume-confidentiel",
    "place": "Cachée",
    "context": "contexte-confidentiel",
    "help note": "note-aide-confidentielle",
    "follow-up note": "note-suivi-confidentielle",
    "a name typed in a note": "Wauthier",
    "coaching": "explication-confidentielle",
    "message to the service": "message-service-confidentiel",
    "service's answer": "reponse-service-confidentielle",
    "person's notes": "note-personne-confidentielle",
    "person's name": "Zébulon",
    "requesting officer": "Officier-Nommé",
}
SEARCHABLE_BY_ACS = ["summary", "place", "context", "help note", "follow-up note", "a name typed in a note"]


def exported(client, query: dict, file_format: str) -> str:
    response = client.get(reverse("victims:callout_export"), {**query, "format": file_format})
    assert response.status_code == 200, query
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if file_format == "xlsx":
        sheet = load_workbook(BytesIO(content)).active
        return "\n".join(
            " ".join(str(cell) for cell in row if cell is not None) for row in sheet.iter_rows(values_only=True)
        )
    return content.decode("utf-8-sig")


def rows(client, query: dict) -> str:
    """The callout list's rows (the search box repeats the query: not a result)."""
    html = client.get(reverse("victims:callout_list"), query).content.decode()
    return html.split("<tbody>")[1].split("</tbody>")[0]


def test_the_acs_find_a_callout_by_what_they_typed(client_as, seeded):
    callout, _referral = seeded
    ac = client_as("assistant")
    for field in SEARCHABLE_BY_ACS:
        assert callout.reference in rows(ac, {"q": TYPED[field]}), field


@pytest.mark.parametrize("field", TYPED)
def test_a_chefs_search_never_looks_into_what_the_acs_typed(client_as, seeded, field):
    callout, _referral = seeded
    chef = client_as("chef")
    query = {"q": TYPED[field]}

    assert callout.reference not in rows(chef, query), f"the chef's search found the callout by its {field}"
    for file_format in ("csv", "xlsx"):
        assert callout.reference not in exported(chef, query, file_format), f"{file_format} by its {field}"


def test_a_chef_searches_the_reference_the_category_and_the_commune(client_as, seeded):
    callout, _referral = seeded
    chef = client_as("chef")
    for text in (callout.reference, callout.reference[-4:], "suicide", callout.commune.name_nl.lower()):
        assert callout.reference in rows(chef, {"q": text}), text
        assert callout.reference in exported(chef, {"q": text}, "csv"), text
    label = chef.get(reverse("victims:callout_list")).context["filter"].form.fields["q"].label
    assert "catégorie" in str(label).lower() and "notes" not in str(label).lower()
