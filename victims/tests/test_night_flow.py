"""What saves the paged AC taps at 3 a.m.: the page first on the home page with Accept on it, the
person's language and the person of the help given chosen for them, the paging card following the
status without a reload, the PV number given by dispatch, vulnerabilities as a multiple choice."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from victims.models import AssistanceAction, Callout, Person
from victims.services import page_on_call
from victims.tests.factories import AcceptedCalloutFactory, InvolvementFactory, category, commune

pytestmark = pytest.mark.django_db


def page(dispatch, **fields):
    callout, _created = page_on_call(
        by=dispatch, fields={"category": category("suicide"), "commune": commune("evere"), **fields}
    )
    return callout


def detail(callout):
    return reverse("victims:callout_detail", kwargs={"public_id": callout.public_id})


def test_the_paged_acs_home_shows_the_page_first_with_accept_on_it(client_as, on_call, make_user):
    people = on_call()
    callout = page(make_user("dispatch"), place="Rue Stroobants 48")
    ac = client_as(user=people["primary"])

    html = ac.get(reverse("accounts:home")).content.decode()

    cards = html.split("<h1")[1]
    first_card = cards.split("</section>")[0]
    assert 'id="paged-card"' in first_card, "the page is the first card of the home page"
    assert callout.reference in first_card and "Rue Stroobants 48" in first_card
    assert 'name="step" value="accept"' in first_card
    step_url = reverse("victims:callout_step", kwargs={"public_id": callout.public_id})
    assert f'action="{step_url}"' in first_card

    response = ac.post(step_url, {"step": "accept"})
    assert response["Location"] == detail(callout)
    callout.refresh_from_db()
    assert callout.status == Callout.Status.ACCEPTED and callout.assistant == people["primary"]
    assert 'id="paged-card"' not in ac.get(reverse("accounts:home")).content.decode()


def test_only_the_paged_ac_sees_the_page_card(client_as, on_call, make_user):
    people = on_call()
    page(make_user("dispatch"))
    for user in (people["backup"], make_user("assistant"), make_user("chef")):
        html = client_as(user=user).get(reverse("accounts:home")).content.decode()
        assert 'id="paged-card"' not in html, user


def test_a_new_persons_language_is_the_acs_interface_language(client_as):
    callout = AcceptedCalloutFactory(assistant__language="nl")
    ac = client_as(user=callout.assistant)
    url = reverse("victims:person_add", kwargs={"public_id": callout.public_id})

    form = ac.get(url).context["person_form"]
    assert form["language"].value() == "nl"

    ac.post(
        url, {"person-role": "victim", "person-first_name": "Ilse", "person-language": "nl", "person-existing": "new"}
    )
    assert Person.objects.get().language == "nl"

    callout.assistant.language = "fr"
    callout.assistant.save()
    assert ac.get(url).context["person_form"]["language"].value() == "fr"


def test_help_given_preselects_the_person_when_the_callout_has_one(client_as):
    involvement = InvolvementFactory()
    callout = involvement.callout
    ac = client_as(user=callout.assistant)
    url = reverse("victims:action_add", kwargs={"public_id": callout.public_id})

    html = ac.get(url).content.decode()
    assert re.search(rf'<option value="{involvement.person.pk}" selected>', html)

    ac.post(
        url,
        {
            "action-kind": "emotional",
            "action-at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "action-person": involvement.person.pk,
        },
    )
    assert AssistanceAction.objects.get().person == involvement.person

    InvolvementFactory(callout=callout)  # two persons: the AC chooses
    html = ac.get(url).content.decode()
    assert " selected>" not in html.split('name="action-person"')[1].split("</select>")[0].replace(
        '<option value="" selected>', ""
    )


def test_after_accept_the_paging_card_drops_its_next_step_line_without_a_reload(client_as, on_call, make_user):
    people = on_call()
    callout = page(make_user("dispatch"))
    ac = client_as(user=people["primary"])
    assert "Étape suivante à" in ac.get(detail(callout)).content.decode()

    response = ac.post(
        reverse("victims:callout_step", kwargs={"public_id": callout.public_id}),
        {"step": "accept"},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<section id="paging"[^>]*hx-swap-oob="true"', html), "the paging card is swapped too"
    paging = html.split('id="paging"')[1].split("</section>")[0]
    assert people["primary"].full_name in paging  # the paging steps stay
    assert "Étape suivante à" not in html
    assert 'id="callout-status"' in html and "Acceptée" in html


def test_dispatch_may_give_the_pv_number_when_paging(client_as, on_call):
    on_call()
    dispatch = client_as("dispatch")
    form_html = dispatch.get(reverse("victims:callout_page")).content.decode()
    assert 'name="pv_number"' in form_html

    dispatch.post(
        reverse("victims:callout_page"),
        {"category": category().pk, "commune": commune().pk, "pv_number": "br 55 l7 12345/26"},
    )
    assert Callout.objects.get().pv_number.startswith("BR.55.L7.012345/20")

    bad = dispatch.post(
        reverse("victims:callout_page"), {"category": category().pk, "commune": commune().pk, "pv_number": "12"}
    )
    assert "pv_number" in bad.context["form"].errors and Callout.objects.count() == 1


def test_vulnerability_is_a_multiple_choice(client_as):
    callout = AcceptedCalloutFactory()
    ac = client_as(user=callout.assistant)
    url = reverse("victims:person_add", kwargs={"public_id": callout.public_id})

    html = ac.get(url).content.decode()
    inputs = re.findall(r'<input[^>]*name="person-vulnerabilities"[^>]*>', html)
    assert len(inputs) == len(Person.Vulnerability.choices)
    assert all('type="checkbox"' in tag for tag in inputs)

    ac.post(
        url,
        {
            "person-role": "victim",
            "person-first_name": "Jean",
            "person-language": "fr",
            "person-vulnerabilities": ["elderly", "disability"],
            "person-existing": "new",
        },
    )
    assert sorted(Person.objects.get().vulnerabilities) == ["disability", "elderly"]

    person = Person.objects.get()
    edit = ac.get(reverse("victims:person_edit", kwargs={"public_id": person.public_id})).content.decode()
    assert all('type="checkbox"' in tag for tag in re.findall(r'<input[^>]*name="vulnerabilities"[^>]*>', edit))
