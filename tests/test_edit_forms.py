"""Every page that edits an object: every field of its form is in the page, and posting back
exactly what the page rendered leaves the object as it was (tests/forms.py). A field forgotten in a
template, or a widget that does not show the stored value, fails here instead of wiping data."""

from datetime import time, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.forms import assert_every_field_in_page, assert_round_trip, page_forms

pytestmark = pytest.mark.django_db


def test_the_form_reader_submits_what_a_browser_would():
    html = """
      <form method="get"><input name="q" value="search"></form>
      <form method="post" action="/x/">
        <input type="hidden" name="version" value="3"><input name="name" value="A &amp; B">
        <input type="checkbox" name="active" checked><input type="checkbox" name="off" value="1">
        <input type="radio" name="r" value="a"><input type="radio" name="r" value="b" checked>
        <select name="one"><option value="">—</option><option value="2">Two</option></select>
        <select name="picked"><option value="1">One</option><option value="2" selected>Two</option></select>
        <select name="many" multiple><option value="1" selected>1</option><option value="2" selected>2</option></select>
        <textarea name="note">
line one
line two</textarea>
        <input name="locked" value="x" disabled><button type="submit" name="go" value="1">Save</button>
      </form>"""

    form = page_forms(html)[1]

    assert form.method == "post" and form.action == "/x/"
    assert form.as_post() == {
        "version": ["3"],
        "name": ["A & B"],
        "active": ["on"],
        "r": ["b"],
        "one": [""],
        "picked": ["2"],
        "many": ["1", "2"],
        "note": ["line one\r\nline two"],
    }
    assert {"off", "locked"} <= form.names and "go" not in form.names


# --- the edit pages ------------------------------------------------------------------------------------------


def test_the_callout_edit_page_round_trips(client_as):
    from directory.models import Officer, PoliceUnit
    from victims.forms import CalloutForm
    from victims.models import Callout
    from victims.tests.factories import AcceptedCalloutFactory

    client = client_as("assistant")
    unit = PoliceUnit.objects.create(code="INT", name_fr="Intervention", name_nl="Interventie")
    officer = Officer.objects.create(first_name="Karim", last_name="El Amrani", unit=unit)
    received = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=3)
    callout = AcceptedCalloutFactory(
        assistant=client.user,
        status=Callout.Status.CLOSED,
        received_at=received,
        accepted_at=received + timedelta(minutes=2),
        departed_at=received + timedelta(minutes=5),
        arrived_at=received + timedelta(minutes=25),
        ended_at=received + timedelta(hours=2),
        # As a browser sends and the database keeps it: line ends CR LF.
        summary="Famille prévenue.\r\nSuivi demandé.",
        place="Rue de l'Exemple 12",
        context="Domicile",
        pv_number="BR.12.L5.123456/2026",
        mode=Callout.Mode.HOSPITAL,
        requesting_unit=unit,
        requesting_officer=officer,
        callback_phone="+32470000009",
        debrief_needed=True,
    )

    assert_round_trip(
        client,
        reverse("victims:callout_edit", args=[callout.public_id]),
        CalloutForm(instance=callout),
        [callout],
        ignore={"version", "updated_at", "search_vector"},
    )


def test_the_person_edit_page_round_trips(client_as):
    from victims.forms import PersonForm
    from victims.tests.factories import InvolvementFactory, PersonFactory

    client = client_as("assistant")
    person = PersonFactory(
        age_band="30-49",
        phone="+32470000010",
        email="marie@example.org",
        consent_contact=True,
        consent_contact_at=timezone.now(),
    )
    InvolvementFactory(person=person, callout__assistant=client.user)

    assert_round_trip(
        client,
        reverse("victims:person_edit", args=[person.public_id]),
        PersonForm(instance=person),
        [person],
        ignore={"search_vector", "name_key"},
    )


def test_the_user_edit_page_round_trips(client_as):
    from accounts.forms import UserForm
    from accounts.tests.factories import UserFactory

    client = client_as("admin")
    account = UserFactory(full_name="Nadia Vermeulen", phone="+32470000011", language="nl", roles=["assistant", "dpo"])

    assert_round_trip(client, reverse("accounts:user_edit", args=[account.pk]), UserForm(instance=account), [account])


def test_the_profile_page_round_trips(client_as):
    from accounts.forms import ProfileForm

    client = client_as("assistant", phone="+32470000012", language="fr")

    assert_round_trip(client, reverse("accounts:profile"), ProfileForm(instance=client.user), [client.user])


def _reference_rows():
    """One row of every kind of reference data (the directory's and those other apps register)."""
    from directory.models import Officer, PoliceUnit
    from directory.reference import REGISTRY
    from victims.tests.factories import ServiceFactory

    unit = PoliceUnit.objects.create(code="QRT", name_fr="Quartier", name_nl="Wijk")
    made = {"units": unit, "officers": Officer.objects.create(first_name="An", last_name="Claes", unit=unit)}
    made["services"] = ServiceFactory(phone="+3222000000", hours="9–17", notes="Sur rendez-vous")
    rows = {}
    for slug, kind in REGISTRY.items():
        rows[slug] = made.get(slug) or kind.model.objects.order_by("pk").first()
        assert rows[slug] is not None, f"no row of {slug} to edit"
    return rows


def test_every_reference_data_edit_page_round_trips(client_as):
    from directory.reference import REGISTRY

    client = client_as("admin")
    for slug, row in _reference_rows().items():
        kind = REGISTRY[slug]
        assert_round_trip(
            client, reverse("directory:reference_edit", args=[slug, row.pk]), kind.form(instance=row), [row]
        )


def test_the_rotation_edit_page_round_trips(client_as):
    from oncall import services, timeline
    from oncall.forms import RotationForm
    from oncall.tests.factories import AssistantFactory, RotationFactory

    client = client_as("admin")
    rotation = RotationFactory(
        start_date=timezone.localdate() + timedelta(days=7),
        handover_time=time(8, 30),
        assistants=[AssistantFactory(), AssistantFactory(), AssistantFactory()],
    )
    # Generated as the rotation page does, over the usual horizon.
    from_at = timeline.local_midnight(timezone.localdate())
    until = from_at + timedelta(weeks=settings.ROTA_HORIZON_WEEKS)
    services.generate_shifts(rotation, from_at=from_at, until=until, by=client.user)
    assert rotation.shifts.exists()

    assert_round_trip(
        client,
        reverse("oncall:rotation_edit", args=[rotation.pk]),
        RotationForm(instance=rotation, editing=True),
        [rotation],
        related=[
            lambda: list(rotation.memberships.order_by("position").values_list("assistant_id", "position")),
            lambda: list(rotation.shifts.order_by("starts_at").values_list("assistant_id", "starts_at", "ends_at")),
        ],
    )


def test_the_notification_preferences_round_trip(client_as):
    from notifications import kinds
    from notifications.forms import PreferenceForm
    from notifications.models import NotificationPreference

    client = client_as("assistant", phone="+32470000013")
    preference = NotificationPreference.objects.create(
        user=client.user,
        channels={kind.code: list(kind.default_channels) for kind in kinds.configurable(client.user)},
        lead_minutes=[1440, 120],
        evening_before_early_shift=False,
    )

    assert_round_trip(
        client,
        reverse("notifications:preferences"),
        PreferenceForm(user=client.user, preference=preference),
        [preference],
    )


def test_the_shift_override_page_shows_every_field(client_as):
    """A form that creates (the hand-over of part of a shift): every field is in the page."""
    from oncall.forms import OverrideForm
    from oncall.tests.factories import ShiftFactory

    client = client_as("admin")
    start = timezone.now() + timedelta(days=2)
    shift = ShiftFactory(starts_at=start, ends_at=start + timedelta(days=1))

    html = client.get(reverse("oncall:shift_override", args=[shift.pk])).content.decode()

    assert_every_field_in_page(html, OverrideForm(shift=shift))
