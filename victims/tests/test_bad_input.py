"""Bad input answers with a message next to the field, never a 500, and saves nothing: dates and
times far in the past or the future, NUL bytes, unknown choices in the query string."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from victims.models import AssistanceAction, Callout
from victims.tests.factories import AcceptedCalloutFactory, FollowUpFactory, ReferralFactory

pytestmark = pytest.mark.django_db

FAR_PAST = "0001-01-01T00:00"
FAR_FUTURE = "9999-12-31T23:59"


def local(value):
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def edit_data(callout, **changes):
    return {
        "summary": callout.summary,
        "category": callout.category_id,
        "commune": callout.commune_id,
        "received_at": local(callout.received_at),
        "version": callout.version,
        **changes,
    }


@pytest.mark.parametrize("name", ["since", "until"])
@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01"])
def test_a_date_out_of_range_on_the_callout_list_gives_a_message_next_to_the_field(client_as, name, value):
    AcceptedCalloutFactory()
    response = client_as("assistant").get(reverse("victims:callout_list"), {name: value})

    assert response.status_code == 200
    assert name in response.context["filter"].form.errors
    html = response.content.decode()
    assert f'id="id_{name}_error"' in html or f"id_{name}" in html.split("invalid-feedback")[0]
    assert "Saisissez une date entre" in html


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_export_with_a_date_out_of_range_goes_back_to_the_list_and_its_message(client_as, file_format):
    AcceptedCalloutFactory()
    ac = client_as("assistant")

    response = ac.get(reverse("victims:callout_export"), {"until": "9999-12-31", "format": file_format})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("victims:callout_list") + "?")
    assert "until=9999-12-31" in response["Location"] and "format" not in response["Location"]
    assert "Saisissez une date entre" in ac.get(response["Location"]).content.decode()


def test_a_nul_byte_in_the_search_is_refused_next_to_the_field(client_as):
    AcceptedCalloutFactory(summary="Famille")
    response = client_as("assistant").get(reverse("victims:callout_list"), {"q": "fam\x00ille"})
    assert response.status_code == 200
    assert "q" in response.context["filter"].form.errors


def test_an_unknown_export_format_is_refused_not_guessed(client_as):
    response = client_as("assistant").get(reverse("victims:callout_export"), {"format": "pdf\x00"})
    assert response.status_code == 302 and "format" not in response["Location"]


@pytest.mark.parametrize(
    "url_name, query",
    [
        ("victims:referral_list", {"show": "every\x00thing"}),
        ("victims:referral_list", {"show": "9" * 30}),
        ("victims:followup_list", {"all": "\x00"}),
        ("victims:followup_list", {"all": "9" * 30}),
    ],
)
def test_the_other_lists_read_their_query_through_a_form(client_as, url_name, query):
    ReferralFactory()
    FollowUpFactory()
    response = client_as("admin", "assistant").get(reverse(url_name), query)
    assert response.status_code == 200
    assert response.context["options"].errors


@pytest.mark.parametrize("name", ["received_at", "departed_at", "arrived_at", "ended_at"])
@pytest.mark.parametrize("value", [FAR_PAST, FAR_FUTURE])
def test_a_callout_time_far_from_now_is_refused_next_to_the_field(client_as, name, value):
    callout = AcceptedCalloutFactory(received_at=timezone.now() - timedelta(hours=2))
    ac = client_as(user=callout.assistant)

    response = ac.post(
        reverse("victims:callout_edit", kwargs={"public_id": callout.public_id}),
        edit_data(callout, **{name: value, "summary": "ne pas enregistrer"}),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert name in errors
    assert f'id="id_{name}_error"' in response.content.decode()
    callout.refresh_from_db()
    assert callout.summary == "" and callout.version == 1


def test_an_end_a_few_minutes_ahead_is_accepted_but_not_an_hour_ahead(client_as):
    callout = AcceptedCalloutFactory(received_at=timezone.now() - timedelta(hours=2))
    ac = client_as(user=callout.assistant)
    url = reverse("victims:callout_edit", kwargs={"public_id": callout.public_id})

    later = ac.post(url, edit_data(callout, ended_at=local(timezone.now() + timedelta(hours=1))))
    assert later.status_code == 200 and "ended_at" in later.context["form"].errors

    soon = ac.post(url, edit_data(callout, ended_at=local(timezone.now() + timedelta(minutes=2))))
    assert soon.status_code == 302


@pytest.mark.parametrize("value", [FAR_PAST, FAR_FUTURE, "2999-01-01T10:00"])
def test_help_given_at_a_time_far_from_now_is_refused(client_as, value):
    callout = AcceptedCalloutFactory()
    ac = client_as(user=callout.assistant)

    response = ac.post(
        reverse("victims:action_add", kwargs={"public_id": callout.public_id}),
        {"action-kind": "information", "action-at": value, "action-note": "n"},
    )

    assert response.status_code == 422
    assert "at" in response.context["form"].errors
    assert 'id="id_action-at_error"' in response.content.decode()
    assert not AssistanceAction.objects.exists()


@pytest.mark.parametrize("value", [FAR_PAST, FAR_FUTURE])
def test_opening_a_callout_received_far_from_now_is_refused(client_as, value):
    from victims.tests.factories import category, commune

    response = client_as("assistant").post(
        reverse("victims:callout_create"),
        {"received_at": value, "category": category().pk, "commune": commune().pk, "channel": "duty_phone"},
    )
    assert response.status_code == 200
    assert "received_at" in response.context["form"].errors
    assert not Callout.objects.exists()


def test_the_dutch_message_for_a_time_in_the_future(client_as):
    callout = AcceptedCalloutFactory(assistant__language="nl")
    ac = client_as(user=callout.assistant)
    response = ac.post(
        reverse("victims:action_add", kwargs={"public_id": callout.public_id}),
        {"action-kind": "information", "action-at": FAR_FUTURE},
    )
    errors = " ".join(response.context["form"].errors["at"])
    assert "toekomst" in errors
