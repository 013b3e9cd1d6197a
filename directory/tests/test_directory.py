"""The directory: communes and kinds loaded by the migration, officer search, reference lists the
administrator keeps, the victim services an AC looks up at a scene."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from directory.models import Commune, Officer, PartnerService, PartnerServiceKind, PoliceUnit

pytestmark = pytest.mark.django_db


def unit(code="EVA", **fields):
    return PoliceUnit.objects.create(code=code, name_fr=fields.pop("name_fr", code), name_nl=code, **fields)


def officer(first, last, unit=None, **fields):
    return Officer.objects.create(first_name=first, last_name=last, unit=unit, **fields)


def service(name, kind="bav", commune="schaerbeek", **fields):
    return PartnerService.objects.create(
        name_fr=name,
        name_nl=fields.pop("name_nl", name),
        kind=PartnerServiceKind.objects.get(code=kind),
        commune=Commune.objects.get(code=commune) if commune else None,
        **fields,
    )


# --- the data migration -------------------------------------------------------------------------------------------


def test_the_migration_loads_the_three_communes_of_the_zone_and_outside():
    rows = list(Commune.objects.values_list("name_fr", "name_nl", "postal_code", "is_in_zone"))

    assert rows == [
        ("Schaerbeek", "Schaarbeek", "1030", True),
        ("Evere", "Evere", "1140", True),
        ("Saint-Josse-ten-Noode", "Sint-Joost-ten-Node", "1210", True),
        ("Hors zone", "Buiten de zone", "", False),
    ]


def test_the_migration_loads_the_kinds_of_service_in_both_languages():
    kinds = {kind.code: kind for kind in PartnerServiceKind.objects.all()}

    assert {"bav", "sav", "caw", "justice-reception", "cpvs", "eva", "cpas", "hospital", "other"} <= set(kinds)
    assert kinds["cpvs"].name_nl == "Zorgcentrum na Seksueel Geweld (ZSG)"
    assert kinds["cpas"].name_in("nl") == "OCMW" and kinds["cpas"].name_in("fr") == "CPAS"
    assert all(kind.name_fr and kind.name_nl for kind in kinds.values())


def test_names_follow_the_interface_language_and_english_uses_french():
    schaerbeek = Commune.objects.get(code="schaerbeek")

    with translation.override("nl"):
        assert str(schaerbeek) == "Schaarbeek"
    with translation.override("en"):
        assert str(schaerbeek) == "Schaerbeek"


# --- officer search --------------------------------------------------------------------------------------------------


def test_officer_search_ignores_accents():
    lefevre = officer("Aurélie", "Lefèvre")
    officer("Jan", "De Smet")

    assert list(Officer.objects.search("lefevre")) == [lefevre]
    assert list(Officer.objects.search("AURELIE")) == [lefevre]


def test_officer_search_tolerates_a_typo():
    janssens = officer("Lies", "Janssens")
    officer("Pierre", "Dumont")

    assert list(Officer.objects.search("jansens")) == [janssens]
    assert janssens in Officer.objects.search("Lies Janssen")


def test_officer_search_finds_by_unit_code_and_registration_number():
    eva = unit("EVA", name_fr="Emergency Victim Assistance")
    in_eva = officer("Karim", "El Amrani", unit=eva)
    numbered = officer("Sarah", "Van den Bossche", registration_number="B1234567")

    assert list(Officer.objects.search("eva")) == [in_eva]
    assert list(Officer.objects.search("b1234567")) == [numbered]


def test_officer_search_puts_the_best_match_first():
    officer("Jean", "Dupuis")
    dupont = officer("Marc", "Dupont")

    assert Officer.objects.search("dupont").first() == dupont


def test_officer_search_finds_nothing_for_an_empty_text():
    officer("Jan", "De Smet")

    assert list(Officer.objects.search("  ")) == []


def test_the_autocomplete_lists_active_officers_as_options(client_as):
    officer("Aurélie", "Lefèvre", unit=unit("EVA"), phone="+32470123456")
    officer("Aurélien", "Lefèvre", is_active=False)
    client = client_as("dispatch")

    response = client.get(reverse("directory:officer_search"), {"q": "lefevre", "field": "requested_by"})

    page = response.content.decode()
    assert page.count('role="option"') == 1
    assert 'data-label="Aurélie Lefèvre (EVA)"' in page and 'data-field="requested_by"' in page


def test_the_autocomplete_says_when_nobody_matches(client_as):
    response = client_as("assistant").get(reverse("directory:officer_search"), {"q": "zzzz"})

    assert "Aucun policier trouvé : saisissez le nom en texte libre." in response.content.decode()


def test_the_database_refuses_two_officers_with_one_registration_number():
    officer("A", "One", registration_number="X1")

    with pytest.raises(IntegrityError), transaction.atomic():
        officer("B", "Two", registration_number="X1")
    officer("C", "Three")
    officer("D", "Four")  # several without a number are fine


# --- reference data by the administrator ---------------------------------------------------------------------------


def test_the_administrator_adds_a_victim_service_with_a_belgian_phone(client_as):
    admin = client_as("admin")
    data = {
        "name_fr": "BAV Evere",
        "name_nl": "Slachtofferbejegening Evere",
        "kind": PartnerServiceKind.objects.get(code="bav").pk,
        "commune": Commune.objects.get(code="evere").pk,
        "language": "fr",
        "address": "Square S. Hoedemaekers 10, 1140 Evere",
        "phone": "02/247.62.62",
        "email": "bav@evere.example.org",
        "hours": "lu–ve 8 h 30–16 h 30",
        "notes": "",
        "is_active": "on",
    }

    response = admin.post(reverse("directory:reference_create", args=["services"]), data)

    assert response["Location"] == reverse("directory:reference_list", args=["services"])
    saved = PartnerService.objects.get(name_fr="BAV Evere")
    assert saved.phone == "+3222476262"
    listing = admin.get(response["Location"]).content.decode()
    assert "Enregistré." in listing and "BAV Evere" in listing


def test_reference_forms_explain_bad_input_and_save_nothing(client_as):
    admin = client_as("admin")

    response = admin.post(
        reverse("directory:reference_create", args=["communes"]),
        {"name_fr": "Bruxelles", "name_nl": "Brussel", "code": "bruxelles", "postal_code": "10A0", "sort_order": 5},
    )

    assert response.status_code == 200
    assert "Un code postal belge compte 4 chiffres." in response.content.decode()
    assert not Commune.objects.filter(code="bruxelles").exists()


def test_a_duplicate_registration_number_is_explained(client_as):
    officer("A", "One", registration_number="B7654321")
    admin = client_as("admin")

    response = admin.post(
        reverse("directory:reference_create", args=["officers"]),
        {"first_name": "B", "last_name": "Two", "grade": "inspector", "registration_number": " b7654321 "},
    )

    assert "Un autre policier a déjà ce matricule." in response.content.decode()
    assert Officer.objects.filter(registration_number="B7654321").count() == 1


def test_the_administrator_edits_a_row_and_a_missing_one_is_404(client_as):
    admin = client_as("admin")
    eva = unit("EVA")

    response = admin.post(
        reverse("directory:reference_edit", args=["units", eva.pk]),
        {"code": "EVA", "name_fr": "Assistance d'urgence", "name_nl": "Noodhulp", "phone": "", "is_active": ""},
    )

    assert response.status_code == 302
    eva.refresh_from_db()
    assert eva.name_fr == "Assistance d'urgence" and not eva.is_active
    assert admin.get(reverse("directory:reference_edit", args=["units", 999999])).status_code == 404
    assert admin.get(reverse("directory:reference_list", args=["no-such-list"])).status_code == 404


def test_reference_lists_search_without_accents_and_page_with_a_constant_query_count(client_as):
    admin = client_as("admin")
    officer("Aurélie", "Lefèvre")

    found = admin.get(reverse("directory:reference_list", args=["officers"]), {"q": "lefevre"})
    assert "Aurélie Lefèvre" in found.content.decode()

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert admin.get(reverse("directory:reference_list", args=["officers"])).status_code == 200
        return len(captured)

    eva = unit("EVA")
    for n in range(3):
        officer("A", f"Few {n}", unit=eva)
    few = queries()
    for n in range(25):
        officer("B", f"Many {n}", unit=eva)
    many = queries()
    assert few == many


# --- the victim services an AC looks up ---------------------------------------------------------------------------


def test_the_service_list_filters_by_text_kind_and_commune(client_as):
    service("BAV Schaerbeek", phone="+3222000001")
    service("CAW Brussel Slachtofferhulp", kind="caw", commune=None, name_nl="CAW Brussel Slachtofferhulp")
    service("BAV Evere", commune="evere")
    service("Ancien service", is_active=False)
    client = client_as("assistant")

    def names(**query):
        return [s.name for s in client.get(reverse("directory:service_list"), query).context["services"]]

    assert set(names()) == {"BAV Schaerbeek", "CAW Brussel Slachtofferhulp", "BAV Evere"}
    assert names(q="slachtofferhulp") == ["CAW Brussel Slachtofferhulp"]
    assert set(names(kind=PartnerServiceKind.objects.get(code="bav").pk)) == {"BAV Schaerbeek", "BAV Evere"}
    assert names(commune=Commune.objects.get(code="evere").pk) == ["BAV Evere"]
    page = client.get(reverse("directory:service_list")).content.decode()
    assert 'href="tel:+3222000001"' in page and "+32 2 200 00 01" in page


def test_the_service_list_query_count_does_not_grow(client_as):
    client = client_as("assistant")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("directory:service_list")).status_code == 200
        return len(captured)

    service("First")
    few = queries()
    for n in range(20):
        service(f"Service {n}", kind="sav", commune="evere")
    many = queries()

    assert few == many


def test_the_demo_loads_the_named_services_and_can_run_twice():
    import io

    from directory import demo

    demo.load(io.StringIO())
    demo.load(io.StringIO())

    names = set(PartnerService.objects.values_list("name_fr", flat=True))
    assert {"BAV Schaerbeek", "BAV Evere", "BAV Saint-Josse"} <= names
    assert any("CAW" in name for name in names) and any("CPVS" in name for name in names)
    assert PartnerService.objects.filter(name_fr="BAV Schaerbeek").count() == 1
    assert Officer.objects.search("lefevre").exists()
