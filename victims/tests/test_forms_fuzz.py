"""Hypothesis over the callout and person forms: no input makes a 500; bad input gives a message
next to a field and saves nothing."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from victims.forms import ActionForm, CalloutForm, FollowUpForm, InvolvementForm, OpenCalloutForm, PageForm
from victims.models import Callout, Person
from victims.tests.factories import AcceptedCalloutFactory

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

junk = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "1",
            "99999999999",
            "2026-13-45T25:61",
            "2026-03-29T02:30",
            "2026-10-25T02:30",
            "1850",
            "2101",
            "BR.55.L7.012345/2026",
            "br 55 l7 1/26",
            "+32470123456",
            "0470 12 34 56",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "\x00",
            "é" * 400,
            "other",
            "victim",
            "fr",
            "nl",
            "0001-01-01T00:00",
            "9999-12-31T23:59",
            "0001-01-01",
            "9999-12-31",
            "31/12/9999 23:59",
        ]
    ),
    st.integers(min_value=-10, max_value=10**12).map(str),
    # Any date and time, written as the browser's date and datetime-local inputs send them.
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M")),
    st.dates().map(lambda day: day.isoformat()),
)


def fuzz_data(fields):
    return st.fixed_dictionaries({name: junk for name in fields})


def check(form):
    valid = form.is_valid()
    if not valid:
        assert form.errors, "an invalid form must say why"
        for field, messages in form.errors.items():
            assert field == "__all__" or field in form.fields
            assert all(str(message).strip() for message in messages)
    return valid


@FUZZ
@given(
    data=fuzz_data(
        [
            "category",
            "commune",
            "place",
            "requesting_officer",
            "requesting_officer_text",
            "requesting_unit",
            "callback_phone",
            "context",
            "pv_number",
            "idempotency_key",
        ]
    )
)
def test_the_paging_form_never_crashes(data):
    check(PageForm(data))


@FUZZ
@given(
    data=fuzz_data(
        [
            "received_at",
            "category",
            "commune",
            "channel",
            "mode",
            "place",
            "callback_phone",
            "requesting_officer_text",
            "idempotency_key",
        ]
    )
)
def test_the_open_callout_form_never_crashes(data):
    check(OpenCalloutForm(data))


@FUZZ
@given(
    data=fuzz_data(
        [
            "summary",
            "mode",
            "category",
            "commune",
            "place",
            "context",
            "pv_number",
            "requesting_officer_text",
            "requesting_unit",
            "callback_phone",
            "received_at",
            "departed_at",
            "arrived_at",
            "ended_at",
            "version",
            "debrief_needed",
        ]
    )
)
def test_the_callout_form_never_crashes(data):
    callout = AcceptedCalloutFactory()
    form = CalloutForm(data, instance=callout)
    if check(form):
        form.save()  # whatever the form accepts, the database accepts too


@FUZZ
@given(
    data=fuzz_data(
        [
            "role",
            "first_name",
            "last_name",
            "birth_year",
            "age_band",
            "is_minor",
            "language",
            "language_other",
            "needs_interpreter",
            "phone",
            "email",
            "address",
            "commune",
            "vulnerabilities",
            "notes",
            "consent_contact",
            "consent_referral",
            "existing",
        ]
    )
)
def test_the_person_form_never_crashes(data, make_user):
    form = InvolvementForm(data)
    if check(form):
        form.save_with_consents(by=make_user("assistant"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=fuzz_data(
        [
            "summary",
            "received_at",
            "departed_at",
            "ended_at",
            "pv_number",
            "callback_phone",
            "category",
            "commune",
            "version",
            "mode",
        ]
    )
)
def test_posting_junk_to_the_edit_page_never_gives_a_500(client_as, data):
    callout = AcceptedCalloutFactory()
    client = client_as(user=callout.assistant)
    response = client.post(reverse("victims:callout_edit", kwargs={"public_id": callout.public_id}), data)
    assert response.status_code in (200, 302, 409)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=fuzz_data(
        [
            "person-role",
            "person-first_name",
            "person-last_name",
            "person-birth_year",
            "person-phone",
            "person-email",
            "person-language",
            "person-existing",
        ]
    )
)
def test_posting_junk_to_add_a_person_never_gives_a_500(client_as, data):
    callout = AcceptedCalloutFactory()
    before = Person.objects.count()
    response = client_as(user=callout.assistant).post(
        reverse("victims:person_add", kwargs={"public_id": callout.public_id}), data
    )
    assert response.status_code in (200, 302, 422)
    if response.status_code == 422:
        assert Person.objects.count() == before


def test_bad_paging_input_gives_messages_next_to_the_fields(client_as):
    response = client_as("dispatch").post(
        reverse("victims:callout_page"), {"category": "nope", "commune": "", "callback_phone": "123"}
    )
    assert response.status_code == 200
    assert {"category", "commune", "callback_phone"} <= set(response.context["form"].errors)
    assert Callout.objects.count() == 0


@FUZZ
@given(data=fuzz_data(["kind", "person", "at", "note"]))
def test_the_help_form_never_crashes(data):
    callout = AcceptedCalloutFactory()
    form = ActionForm(data, callout=callout)
    if check(form):
        action = form.save(commit=False)
        action.callout = callout
        action.save()


@FUZZ
@given(data=fuzz_data(["due_on", "assignee", "note"]))
def test_the_follow_up_form_never_crashes(data):
    check(FollowUpForm(data))


LIST_QUERY = ["q", "since", "until", "category", "commune", "status", "assistant", "service", "page", "format"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=fuzz_data(LIST_QUERY))
def test_no_query_string_makes_the_callout_list_or_its_export_answer_500(client_as, data):
    AcceptedCalloutFactory()
    client = client_as("chef")
    assert client.get(reverse("victims:callout_list"), data).status_code == 200
    assert client.get(reverse("victims:callout_export"), data).status_code in (200, 302)
