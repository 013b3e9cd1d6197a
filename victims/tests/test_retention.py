"""Retention: persons (names, contacts, notes) of callouts finished more than
RETENTION_VICTIMS_YEARS ago are anonymised, statistics kept, history scrubbed, each run journaled;
a person also linked to a newer or open callout is left alone."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command

from accounts.models import AccessEvent
from victims.models import Callout, Person
from victims.retention import anonymise
from victims.tests.factories import (
    AcceptedCalloutFactory,
    ActionFactory,
    InvolvementFactory,
    PersonFactory,
    ReferralFactory,
)

pytestmark = pytest.mark.django_db
BRUSSELS = ZoneInfo("Europe/Brussels")
TODAY = datetime(2031, 6, 15, 2, 30, tzinfo=BRUSSELS)


def finished(when, **fields):
    return AcceptedCalloutFactory(
        received_at=when - timedelta(hours=2),
        accepted_at=when - timedelta(hours=2),
        status=Callout.Status.CLOSED,
        ended_at=when,
        summary="Résumé nominatif de Jeanne",
        place="Rue de Jeanne 3",
        **fields,
    )


@pytest.fixture
def history(settings):
    settings.RETENTION_VICTIMS_YEARS = 5
    old = finished(datetime(2026, 6, 1, 22, 0, tzinfo=BRUSSELS))
    recent = finished(datetime(2026, 6, 20, 22, 0, tzinfo=BRUSSELS))
    forgotten = PersonFactory(
        first_name="Jeanne", last_name="Oubliée", phone="+32470111222", notes="fragile", birth_year=1990
    )
    InvolvementFactory(callout=old, person=forgotten)
    ActionFactory(callout=old, person=forgotten, note="Note sur Jeanne")
    ReferralFactory(callout=old, person=forgotten, message="Appeler Jeanne", service_note="Prise en charge")
    kept = PersonFactory(first_name="Paul", last_name="Gardé")
    InvolvementFactory(callout=old, person=kept)
    InvolvementFactory(callout=AcceptedCalloutFactory(received_at=TODAY - timedelta(days=1)), person=kept)  # still open
    in_recent = PersonFactory(first_name="Lise", last_name="Récente")
    InvolvementFactory(callout=recent, person=in_recent)
    return old, recent, forgotten, kept, in_recent


def test_old_persons_are_anonymised_and_statistics_kept(history):
    old, recent, forgotten, kept, in_recent = history

    with time_machine.travel(TODAY, tick=False):
        report = anonymise()

    assert (report.persons, report.callouts) == (1, 1)
    forgotten.refresh_from_db()
    assert (forgotten.first_name, forgotten.last_name, forgotten.phone, forgotten.notes) == ("", "", "", "")
    assert forgotten.birth_year is None and forgotten.age_band == "30-49" and forgotten.anonymised_at
    old.refresh_from_db()
    assert (old.summary, old.place, old.anonymised_at is not None) == ("", "", True)
    assert old.category and old.commune and old.ended_at  # statistics survive
    assert old.involvements.count() == 2
    assert old.actions.get().note == "" and old.actions.get().kind
    referral = old.referrals.get()
    assert (referral.message, referral.service_note, referral.status) == ("", "", referral.status)
    kept.refresh_from_db()
    in_recent.refresh_from_db()
    assert kept.last_name == "Gardé" and in_recent.last_name == "Récente"
    recent.refresh_from_db()
    assert recent.summary


def test_the_change_history_no_longer_holds_the_erased_values(history):
    old, _recent, forgotten, _kept, _in_recent = history
    PersonEvent = apps.get_model("victims", "PersonEvent")
    CalloutEvent = apps.get_model("victims", "CalloutEvent")
    assert PersonEvent.objects.filter(pgh_obj_id=forgotten.pk, last_name="Oubliée").exists()

    with time_machine.travel(TODAY, tick=False):
        anonymise()

    assert not PersonEvent.objects.filter(pgh_obj_id=forgotten.pk, last_name="Oubliée").exists()
    assert not CalloutEvent.objects.filter(pgh_obj_id=old.pk, summary__contains="Jeanne").exists()


def test_a_dry_run_changes_nothing_and_says_what_it_would_do(history):
    old, *_rest = history
    out = StringIO()

    with time_machine.travel(TODAY, tick=False):
        call_command("anonymise_victims", "--dry-run", stdout=out)

    assert "Would anonymise 1 persons and 1 callouts" in out.getvalue()
    assert old.reference in out.getvalue()
    assert Person.objects.filter(anonymised_at__isnull=False).count() == 0
    event = AccessEvent.objects.get(action="anonymise")
    assert event.code == "retention.dry_run" and event.actor is None and "retention" in event.actor_label


def test_each_run_is_journaled_and_a_second_run_finds_nothing(history):
    with time_machine.travel(TODAY, tick=False):
        anonymise()
        second = anonymise()
    assert (second.persons, second.callouts) == (0, 0)
    assert AccessEvent.objects.filter(action="anonymise").count() == 2


def test_the_nightly_task_runs_the_same_retention(history):
    from victims.tasks import anonymise_old_persons

    with time_machine.travel(TODAY, tick=False):
        assert anonymise_old_persons() == "anonymised 1 persons, 1 callouts"


def test_the_retention_period_is_a_setting(history, settings):
    settings.RETENTION_VICTIMS_YEARS = 10
    with time_machine.travel(TODAY, tick=False):
        assert anonymise().persons == 0


def test_the_anonymised_persons_page_says_so(history, client_as):
    from django.urls import reverse

    _old, _recent, forgotten, *_rest = history
    with time_machine.travel(TODAY, tick=False):
        anonymise()
    html = (
        client_as("assistant")
        .get(reverse("victims:person_detail", kwargs={"public_id": forgotten.public_id}))
        .content.decode()
    )
    assert "Oubliée" not in html
