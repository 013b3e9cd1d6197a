"""Persons assisted: added inline on the callout (htmx or plain POST), a known person proposed
before a duplicate is made, their page, and the name search that asks for a reason."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessEvent
from victims.models import Involvement, Person
from victims.tests.factories import AcceptedCalloutFactory, InvolvementFactory, PersonFactory, commune

pytestmark = pytest.mark.django_db


def add_url(callout):
    return reverse("victims:person_add", kwargs={"public_id": callout.public_id})


def person_data(**extra):
    data = {
        "person-role": "victim",
        "person-first_name": "Élodie",
        "person-last_name": "Vandenberghe",
        "person-birth_year": "1984",
        "person-language": "fr",
        "person-phone": "0470 12 34 56",
        "person-consent_contact": "on",
        "person-consent_referral": "on",
    }
    data.update({f"person-{key}": value for key, value in extra.items()})
    return data


def test_a_person_is_added_with_role_and_consents_stamped(client_as):
    callout = AcceptedCalloutFactory()
    ac = client_as("assistant")

    response = ac.post(add_url(callout), person_data())

    assert response.status_code == 302
    involvement = Involvement.objects.get(callout=callout)
    person = involvement.person
    assert involvement.role == "victim"
    assert (person.first_name, person.last_name, person.phone) == ("Élodie", "Vandenberghe", "+32470123456")
    assert person.consent_referral and person.consent_referral_by == ac.user and person.consent_referral_at
    assert person.consent_contact_by == ac.user
    assert person.age_band == "30-49" and not person.is_minor
    assert AccessEvent.objects.filter(action="create", object_type="victims.person").exists()


def test_htmx_adds_the_person_without_reloading_the_page(client_as):
    callout = AcceptedCalloutFactory()

    response = client_as("assistant").post(add_url(callout), person_data(), HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<section") and 'id="persons"' in html
    assert "Vandenberghe" in html


def test_a_known_person_is_proposed_before_a_duplicate_is_created(client_as):
    known = PersonFactory(first_name="Elodie", last_name="Van den Berghe", birth_year=1984)
    InvolvementFactory(person=known)
    callout = AcceptedCalloutFactory()
    ac = client_as("assistant")

    response = ac.post(add_url(callout), person_data())

    assert response.status_code == 200
    assert response.context["suggestions"] == [known]
    assert Person.objects.count() == 1 and not Involvement.objects.filter(callout=callout).exists()
    assert AccessEvent.objects.filter(action="search", code="persons.duplicate_check").exists()

    ac.post(add_url(callout), person_data(existing=str(known.public_id)))
    assert Involvement.objects.get(callout=callout).person == known
    assert Person.objects.count() == 1


def test_the_ac_can_confirm_it_is_a_new_person(client_as):
    InvolvementFactory(person=PersonFactory(first_name="Elodie", last_name="Vandenberghe", birth_year=1984))
    callout = AcceptedCalloutFactory()

    client_as("assistant").post(add_url(callout), person_data(existing="new"))

    assert Person.objects.count() == 2
    assert Involvement.objects.filter(callout=callout).count() == 1


def test_a_different_birth_year_is_not_a_duplicate(client_as):
    InvolvementFactory(person=PersonFactory(first_name="Elodie", last_name="Vandenberghe", birth_year=1950))
    callout = AcceptedCalloutFactory()

    client_as("assistant").post(add_url(callout), person_data())

    assert Person.objects.count() == 2


def test_similar_to_is_accent_and_case_insensitive():
    known = PersonFactory(first_name="François", last_name="Dubœuf-Lefèvre", birth_year=1975)
    assert list(Person.objects.similar_to("francois", "duboeuf lefevre", 1975)) == [known]
    assert list(Person.objects.similar_to("Jan", "Peeters", 1975)) == []


def test_bad_input_gives_messages_and_saves_nothing(client_as):
    callout = AcceptedCalloutFactory()

    response = client_as("assistant").post(
        add_url(callout), person_data(birth_year="1850", phone="12", email="pas-un-email", language="other")
    )

    assert response.status_code == 422
    errors = response.context["person_form"].errors
    assert {"birth_year", "phone", "email", "language_other"} <= set(errors)
    assert Person.objects.count() == 0


def test_a_person_without_a_name_is_fine(client_as):
    callout = AcceptedCalloutFactory()
    client_as("assistant").post(
        add_url(callout), {"person-role": "witness", "person-language": "nl", "person-age_band": "12-17"}
    )
    person = Person.objects.get()
    assert person.display_name and person.is_minor


def test_the_persons_page_shows_all_their_callouts_and_referrals(client_as):
    from victims.tests.factories import ReferralFactory

    person = PersonFactory()
    first = InvolvementFactory(person=person).callout
    second = InvolvementFactory(person=person, role="relative").callout
    referral = ReferralFactory(person=person, callout=first)

    response = client_as("assistant").get(reverse("victims:person_detail", kwargs={"public_id": person.public_id}))

    html = response.content.decode()
    assert first.reference in html and second.reference in html and referral.service.name in html
    assert AccessEvent.objects.filter(
        action="view", object_type="victims.person", object_id=str(person.public_id)
    ).exists()


def test_searching_persons_by_name_asks_for_a_reason_and_journals_it(client_as):
    person = PersonFactory(first_name="Jean", last_name="Dupré")
    ac = client_as("assistant")

    refused = ac.get(reverse("victims:person_search"), {"q": "dupre"})
    assert "motif" in refused.context["form"].errors and refused.context["found"] is None
    assert not AccessEvent.objects.filter(action="search").exists()

    found = ac.get(reverse("victims:person_search"), {"q": "dupre", "motif": "rappel de la famille"})

    assert list(found.context["found"]) == [person]
    assert "Jean Dupré" in found.content.decode()
    event = AccessEvent.objects.get(action="search")
    assert event.motif == "rappel de la famille" and "dupre" in event.text


def test_the_name_search_keeps_a_constant_number_of_queries(client_as, django_assert_max_num_queries):
    ac = client_as("assistant")
    search = {"q": "dupont", "motif": "rappel de la famille"}
    for _ in range(2):
        PersonFactory(last_name="Dupont")
    ac.get(reverse("victims:person_search"), search)
    # Session, user, device, savepoint pair, roles, the search, the journal entry, the bell.
    with django_assert_max_num_queries(9) as few:
        ac.get(reverse("victims:person_search"), search)
    for _ in range(40):
        PersonFactory(last_name="Dupont", commune=commune("evere"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        found = ac.get(reverse("victims:person_search"), search)
    assert len(found.context["found"]) == 42
    html = found.content.decode()
    person = found.context["found"][0]
    link = reverse("victims:person_detail", kwargs={"public_id": person.public_id})
    assert f'href="{link}">{person.display_name}</a>' in html
    assert "1980 · Evere" in html and html.count('class="list-group-item d-flex') == 42


def test_names_in_the_search_results_are_escaped(client_as):
    PersonFactory(first_name="<b>Al</b>", last_name="Dupont & Fils")
    html = client_as("assistant").get(reverse("victims:person_search"), {"q": "dupont", "motif": "rappel"})
    assert "&lt;b&gt;Al&lt;/b&gt; Dupont &amp; Fils</a>" in html.content.decode()


def test_removing_a_person_added_by_mistake_keeps_their_record(client_as):
    involvement = InvolvementFactory()
    response = client_as("assistant").post(
        reverse("victims:involvement_remove", kwargs={"public_id": involvement.callout.public_id, "pk": involvement.pk})
    )
    assert response.status_code == 302
    assert not Involvement.objects.exists() and Person.objects.exists()


def test_the_add_forms_load_on_demand_and_errors_come_back_on_their_own_page(client_as):
    callout = AcceptedCalloutFactory()
    ac = client_as(user=callout.assistant)
    for name in ("victims:person_add", "victims:action_add", "victims:coaching_add", "victims:followup_add"):
        url = reverse(name, kwargs={"public_id": callout.public_id})
        fragment = ac.get(url, HTTP_HX_REQUEST="true").content.decode()
        page = ac.get(url).content.decode()
        assert "<form" in fragment and "<html" not in fragment, name
        assert "<html" in page and "<form" in page, name

    response = ac.post(
        reverse("victims:coaching_add", kwargs={"public_id": callout.public_id}), {"coach-explained": "x"}
    )
    assert response.status_code == 422 and "officer_text" in response.context["form"].errors

    response = ac.post(
        reverse("victims:action_add", kwargs={"public_id": callout.public_id}),
        {"action-kind": "emotional", "action-at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "action-note": "ok"},
    )
    assert response.status_code == 302 and response["Location"].endswith("#help")
    assert callout.actions.get().note == "ok"
