"""OneTrip: several lists about one record in one prepared query, as model instances."""

import uuid

import pytest
from django.core.exceptions import FieldError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.onetrip import Fetch, OneTrip
from directory.models import Officer, PoliceUnit
from victims.models import AssistanceAction, Callout, CoachedOfficer, Involvement
from victims.tests.factories import AcceptedCalloutFactory, ActionFactory, InvolvementFactory, PersonFactory

pytestmark = pytest.mark.django_db

TRIP = OneTrip(
    callout=Fetch(Callout, "public_id", ("reference", "status", "category__name_fr", "requested_by__full_name")),
    persons=Fetch(Involvement, "callout__public_id", ("role", "person__last_name"), order=("-created_at", "-id")),
    help=Fetch(AssistanceAction, "callout", ("kind", "note", "person__first_name"), order=("at", "id")),
    coached=Fetch(CoachedOfficer, "callout", ("officer_name", "officer__last_name", "officer__unit__code")),
)


def test_lists_come_back_as_instances_with_their_related_objects_in_order():
    callout = AcceptedCalloutFactory()
    first = InvolvementFactory(callout=callout, person=PersonFactory(last_name="Peeters"))
    second = InvolvementFactory(callout=callout, person=PersonFactory(last_name="Janssens"))
    InvolvementFactory(person=PersonFactory(last_name="Elsewhere"))  # another callout's person

    with CaptureQueriesContext(connection) as queries:
        lists = TRIP.load(callout.public_id, "callout", "persons")
        (loaded,) = lists["callout"]
        names = [involvement.person.last_name for involvement in lists["persons"]]
        category = loaded.category.name_fr

    assert len(queries) == 1, "one statement, and no query for the related objects read"
    assert names == ["Janssens", "Peeters"], "newest first, as asked"
    assert (loaded.pk, loaded.reference, loaded.status) == (callout.pk, callout.reference, callout.status)
    assert category == callout.category.name_fr
    assert loaded.requested_by is None, "an empty foreign key gives None, not a query"
    assert [i.pk for i in lists["persons"]] == [second.pk, first.pk]
    assert lists["persons"][0].person_id == second.person_id


def test_fields_not_asked_for_are_deferred_and_still_readable():
    callout = AcceptedCalloutFactory(summary="Soutien à la famille")
    (loaded,) = TRIP.load(callout.public_id, "callout")["callout"]

    assert "summary" in loaded.get_deferred_fields()
    with CaptureQueriesContext(connection) as queries:
        assert loaded.summary == "Soutien à la famille"
    assert len(queries) == 1, "a deferred field costs a query, like .only(), never a wrong value"


def test_integer_keys_nested_relations_and_empty_lists():
    callout = AcceptedCalloutFactory()
    unit = PoliceUnit.objects.create(code="INT-5344", name_fr="Intervention", name_nl="Interventie")
    officer = Officer.objects.create(first_name="Ann", last_name="Claes", unit=unit)
    CoachedOfficer.objects.create(callout=callout, officer=officer, explained="Annonce de décès")
    CoachedOfficer.objects.create(callout=callout, officer_name="Inspecteur de garde")
    ActionFactory(callout=callout, note="Écoute", person=None)

    with CaptureQueriesContext(connection) as queries:
        lists = TRIP.load(callout.pk, "help", "coached")
        with_officer, free_text = lists["coached"]
        unit_code = with_officer.officer.unit.code
        (action,) = lists["help"]
    assert len(queries) == 1
    assert unit_code == "INT-5344" and with_officer.officer.last_name == "Claes"
    assert free_text.officer is None and free_text.officer_name == "Inspecteur de garde"
    assert action.note == "Écoute" and action.person is None
    assert action.at == AssistanceAction.objects.get().at, "dates come back as aware datetimes"

    assert TRIP.load(AcceptedCalloutFactory().pk, "help", "coached") == {"help": [], "coached": []}
    assert TRIP.load(uuid.uuid4(), "callout") == {"callout": []}


def test_the_statement_is_prepared_and_counted_like_any_query():
    callout = AcceptedCalloutFactory()
    for _ in range(7):  # PostgreSQL keeps a generic plan after five runs
        with CaptureQueriesContext(connection) as queries:
            TRIP.load(callout.public_id, "callout", "persons")
    assert len(queries) == 1 and queries[0]["sql"].startswith("SELECT (SELECT coalesce(json_agg(")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%%json_agg%%'")
        assert cursor.fetchone()[0] >= 1


def test_a_mistyped_field_fails_at_once():
    trip = OneTrip(persons=Fetch(Involvement, "callout", ("role", "person__no_such_field")))
    with pytest.raises(FieldError, match="no_such_field"):
        trip.load(1, "persons")


def test_prepared_values_gives_what_the_queryset_gives():
    from django.db.models import F

    from core.onetrip import prepared_count, prepared_values

    for _ in range(3):
        AcceptedCalloutFactory()
    rows = Callout.objects.order_by("-received_at", "-id").values(
        "public_id", "reference", "received_at", assistant_name=F("assistant__full_name")
    )
    assert prepared_values(rows[:2]) == list(rows[:2])
    assert prepared_values(rows.filter(reference="none")) == [] == prepared_values(rows.none())
    assert (prepared_count(rows, 10), prepared_count(rows, 2), prepared_count(rows.none(), 10)) == (3, 2, 0)
