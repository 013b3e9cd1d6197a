"""The access journal: one entry per action with who, what and from where; it commits or rolls back
with the request; the database refuses to change or delete it; the DPO filters and exports it."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts import journal, journal_messages
from accounts.models import AccessEvent

BRUSSELS = ZoneInfo("Europe/Brussels")
JOURNAL = reverse("accounts:journal")
EXPORT = reverse("accounts:journal_export")


def make_event(**fields):
    defaults = {"action": AccessEvent.Action.VIEW, "actor_label": "someone@example.org"}
    return AccessEvent.objects.create(**{**defaults, **fields})


# --- written on each action -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_opening_a_record_writes_who_what_and_where(client_as, make_user):
    admin = client_as("admin")
    account = make_user("assistant")

    admin.get(reverse("accounts:user_detail", args=[account.pk]), HTTP_USER_AGENT="Firefox/140", REMOTE_ADDR="10.5.3.4")

    event = AccessEvent.objects.get(action=AccessEvent.Action.VIEW)
    assert event.actor == admin.user
    assert event.actor_label == admin.user.email
    assert (event.object_type, event.object_id) == ("accounts.user", str(account.pk))
    assert event.ip == "10.5.3.4"
    assert event.user_agent == "Firefox/140"
    assert event.text == account.journal_label()


@pytest.mark.django_db
def test_each_administrative_action_writes_one_entry(client_as, make_user):
    admin = client_as("admin")
    account = make_user("assistant")
    last = AccessEvent.objects.latest("id").id if AccessEvent.objects.exists() else 0

    admin.post(reverse("accounts:user_deactivate", args=[account.pk]))
    admin.post(reverse("accounts:user_reactivate", args=[account.pk]))
    admin.post(reverse("accounts:user_reset_second_factor", args=[account.pk]))

    rows = list(AccessEvent.objects.filter(id__gt=last).order_by("id").values_list("actor", "action", "code"))
    assert rows == [
        (admin.user.pk, "update", "user.deactivated"),
        (admin.user.pk, "update", "user.reactivated"),
        (admin.user.pk, "security", "second_factor.reset"),
    ]
    with translation.override("en"):
        texts = [event.text for event in AccessEvent.objects.filter(id__gt=last).order_by("id")]
    assert texts == [
        f"{account.journal_label()}: deactivated",
        f"{account.journal_label()}: reactivated",
        f"{account.journal_label()}: second factor reset",
    ]


@pytest.mark.django_db
def test_the_helper_behind_a_proxy_trusts_only_the_last_forwarded_address(rf, settings):
    settings.BEHIND_PROXY = True
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.10", REMOTE_ADDR="10.0.0.1")

    assert journal.client_ip(request) == "192.0.2.10"


@pytest.mark.django_db
def test_the_helper_ignores_forwarded_headers_when_not_behind_a_proxy(rf):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="10.0.0.1")

    assert journal.client_ip(request) == "10.0.0.1"


@pytest.mark.django_db
def test_a_system_entry_has_no_person_but_a_named_actor():
    event = journal.record_system(
        journal.ANONYMISE,
        code="retention.anonymised",
        params={"persons": 3, "callouts": 2, "cutoff": "2020-01-01"},
        object_type="victims.callout",
        label="retention",
    )

    assert event.actor is None and event.actor_label == "retention" and event.ip is None


# --- transactions ------------------------------------------------------------------------------------------


@pytest.mark.urls("concertation.tests.urls")
@pytest.mark.django_db(transaction=True)
def test_a_request_that_fails_after_journaling_leaves_no_entry_and_no_change(make_user):
    from accounts.testing import sign_in

    user = make_user("assistant", full_name="Original Name")
    client = sign_in(Client(raise_request_exception=False), user)

    response = client.get("/test/journal-then-fail/")

    assert response.status_code == 500
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.VIEW).exists()
    user.refresh_from_db()
    assert user.full_name == "Original Name"


@pytest.mark.urls("concertation.tests.urls")
@pytest.mark.django_db(transaction=True)
def test_a_refused_access_is_journaled_although_the_request_rolls_back(make_user):
    from accounts.testing import sign_in

    user = make_user("assistant")
    client = sign_in(Client(), user)

    response = client.get("/test/journal-then-refuse/", REMOTE_ADDR="10.1.2.3")

    assert response.status_code == 403
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.VIEW).exists()
    denied = AccessEvent.objects.get(action=AccessEvent.Action.DENIED)
    assert denied.actor == user
    assert denied.text == "GET /test/journal-then-refuse/"
    assert denied.ip == "10.1.2.3"


@pytest.mark.django_db(transaction=True)
def test_a_role_refused_by_the_table_is_journaled(client_as):
    client = client_as("chef")

    response = client.get(JOURNAL)

    assert response.status_code == 403
    denied = AccessEvent.objects.get(action=AccessEvent.Action.DENIED)
    assert denied.actor == client.user and denied.text == f"GET {JOURNAL}"


# --- append-only -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_database_refuses_to_update_a_journal_entry_through_the_orm():
    event = make_event(description="original")

    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).update(description="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        event.description = "rewritten"
        event.save()

    event.refresh_from_db()
    assert event.description == "original"


@pytest.mark.django_db
def test_the_database_refuses_to_delete_a_journal_entry_through_the_orm():
    event = make_event()

    with pytest.raises(DatabaseError), transaction.atomic():
        event.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.all().delete()

    assert AccessEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE accounts_accessevent SET description = 'rewritten' WHERE id = %s",
        "UPDATE accounts_accessevent SET actor_label = '' WHERE id = %s",
        "DELETE FROM accounts_accessevent WHERE id = %s",
    ],
)
def test_the_database_refuses_changes_in_raw_sql(sql):
    event = make_event(description="original")

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [event.pk])

    event.refresh_from_db()
    assert event.description == "original" and event.actor_label == "someone@example.org"


@pytest.mark.django_db
def test_the_journal_has_indexes_for_its_two_questions():
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "accounts_accessevent")
    columns = {tuple(info["columns"]) for info in indexes.values() if info["index"]}
    assert ("object_type", "object_id", "at") in columns  # who saw object X
    assert ("actor_id", "at") in columns  # what did user Y do between d1 and d2


# --- the DPO's page ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_dpo_sees_the_journal_newest_first_and_their_visit_is_journaled(client_as, make_user):
    dpo = client_as("dpo")
    someone = make_user("assistant", full_name="Aline Peeters")
    make_event(actor=someone, actor_label=someone.email, description="first", object_type="victims.callout")
    make_event(actor=someone, actor_label=someone.email, description="second", object_type="victims.callout")

    page = dpo.get(JOURNAL).content.decode()

    assert page.index("second") < page.index("first")
    assert "Aline Peeters" in page and "consultation" in page
    visit = AccessEvent.objects.filter(actor=dpo.user).latest("id")
    assert (visit.action, visit.code) == ("list", "journal.list")


def _rows(response) -> list[str]:
    return [event.description for event in response.context["events"]]


@pytest.mark.django_db
def test_the_dpo_filters_by_person(client_as, make_user):
    dpo = client_as("dpo")
    one, other = make_user("assistant"), make_user("assistant")
    make_event(actor=one, description="by one")
    make_event(actor=other, description="by other")

    response = dpo.get(JOURNAL, {"actor": one.pk})

    assert _rows(response) == ["by one"]
    search = AccessEvent.objects.filter(actor=dpo.user).latest("id")
    assert (search.action, search.code, search.params) == ("search", "journal.search", {"filters": f"user={one.email}"})


@pytest.mark.django_db
def test_the_dpo_filters_by_object_to_see_who_else_saw_it(client_as, make_user):
    dpo = client_as("dpo")
    make_event(object_type="victims.callout", object_id="42", description="saw 42")
    make_event(object_type="victims.callout", object_id="43", description="saw 43")
    make_event(object_type="victims.person", object_id="42", description="person 42")

    response = dpo.get(JOURNAL, {"object_type": "Victims.Callout ", "object_id": " 42"})

    assert _rows(response) == ["saw 42"]
    assert 'href="?object_type=victims.callout&amp;object_id=42"' in response.content.decode()


@pytest.mark.django_db
def test_the_dpo_filters_by_action(client_as):
    dpo = client_as("dpo")
    make_event(action="export", description="an export")
    make_event(action="view", description="a view")

    response = dpo.get(JOURNAL, {"action": "export"})

    assert _rows(response) == ["an export"]


@pytest.mark.django_db
def test_the_dpo_filters_by_period_in_brussels_days(client_as):
    dpo = client_as("dpo")
    # 31 March 2026 23:30 in Brussels is 21:30 UTC (summer time): it belongs to the 31st.
    # Entries are written in time order (the page lists them by id, newest first).
    make_event(at=datetime(2026, 3, 28, 23, 59, tzinfo=BRUSSELS), description="the day before")
    make_event(at=datetime(2026, 3, 29, 2, 30, tzinfo=ZoneInfo("UTC")), description="on the DST night")
    make_event(at=datetime(2026, 3, 31, 23, 30, tzinfo=BRUSSELS), description="late on the 31st")
    make_event(at=datetime(2026, 4, 1, 0, 10, tzinfo=BRUSSELS), description="just after midnight")

    response = dpo.get(JOURNAL, {"since": "2026-03-29", "until": "2026-03-31"})

    assert _rows(response) == ["late on the 31st", "on the DST night"]


@pytest.mark.django_db
def test_a_period_ending_before_it_starts_is_explained(client_as):
    dpo = client_as("dpo")

    response = dpo.get(JOURNAL, {"since": "2026-05-02", "until": "2026-05-01"})

    assert "La date de fin est antérieure à la date de début." in response.content.decode()


@pytest.mark.django_db
def test_older_entries_come_page_by_page(client_as):
    dpo = client_as("dpo")
    AccessEvent.objects.bulk_create(
        [AccessEvent(action="view", actor_label="x@example.org", description=f"event {n}") for n in range(60)]
    )

    first = dpo.get(JOURNAL)
    assert len(first.context["events"]) == 50
    before = first.context["next_before"]
    second = dpo.get(JOURNAL, {"before": before}, HTTP_HX_REQUEST="true")

    shown = _rows(first) + _rows(second)
    assert len(set(shown)) == len(shown)
    assert {f"event {n}" for n in range(60)} <= set(shown)
    assert "<html" not in second.content.decode()


@pytest.mark.django_db
def test_the_journal_page_query_count_does_not_grow_with_the_entries(client_as, make_user):
    dpo = client_as("dpo")
    people = [make_user("assistant") for _n in range(5)]

    def fill(count):
        AccessEvent.objects.bulk_create(
            [
                AccessEvent(actor=people[n % 5], actor_label=people[n % 5].email, action="view", description=f"{n}")
                for n in range(count)
            ]
        )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert dpo.get(JOURNAL).status_code == 200
        return len(captured)

    fill(10)
    with_ten = queries()
    fill(190)
    with_two_hundred = queries()

    assert with_ten == with_two_hundred
    assert with_two_hundred <= 15


# --- the CSV export -----------------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.django_db
def test_the_export_gives_the_filtered_entries_and_is_itself_journaled(client_as, make_user):
    dpo = client_as("dpo")
    someone = make_user("assistant")
    make_event(actor=someone, actor_label=someone.email, action="export", description="a victims export")
    make_event(actor=someone, actor_label=someone.email, action="view", description="a view")

    response = dpo.get(EXPORT, {"actor": someone.pk, "action": "export"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="access-journal-')
    rows = _csv(response)
    assert rows[0][:3] == ["heure (UTC)", "utilisateur", "action"]
    assert [row[5] for row in rows[1:]] == ["a victims export"]
    export = AccessEvent.objects.filter(actor=dpo.user, action="export").get()
    assert export.code == "journal.export"
    assert export.params == {"filters": f"user={someone.email} action=export"}


@pytest.mark.django_db
def test_the_export_neutralises_spreadsheet_formulas(client_as):
    dpo = client_as("dpo")
    # An attacker controls what they type as e-mail at sign-in and their browser's user agent.
    make_event(actor_label='=HYPERLINK("http://evil.example")@x.be', user_agent="+cmd|' /C calc'!A0")

    rows = _csv(dpo.get(EXPORT, {"action": "view"}))

    cells = [cell for row in rows[1:] for cell in row]
    assert not any(cell[:1] in ("=", "+", "-", "@") for cell in cells)
    assert '\'=HYPERLINK("http://evil.example")@x.be' in cells


# --- codes shown in the reader's language -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("code", sorted(journal_messages.MESSAGES))
def test_every_journal_text_reads_in_french_dutch_and_english(code):
    params = {name: f"<{name}>" for name in journal_messages.placeholders(code)}
    texts = {}
    for language in ("fr", "nl", "en"):
        with translation.override(language):
            texts[language] = journal_messages.render(code, params)
    with translation.override(None):
        english_source = str(journal_messages.MESSAGES[code]) % params
    assert texts["en"] == english_source.strip()
    for language in ("fr", "nl"):
        # every parameter survives the translation (no placeholder renamed or dropped)
        assert all(value in texts[language] for value in params.values()), (language, texts[language])
    if any(character.isalpha() for character in _without_placeholders(code)):
        assert texts["fr"] != texts["en"] and texts["nl"] != texts["en"], texts


def _without_placeholders(code):
    with translation.override(None):
        return str(journal_messages.MESSAGES[code]) % {name: "" for name in journal_messages.placeholders(code)}


@pytest.mark.django_db
def test_an_entry_is_stored_as_a_code_and_shown_in_the_readers_language(client_as, make_user):
    admin = client_as("admin")
    account = make_user("assistant", full_name="Aline Peeters")
    admin.post(reverse("accounts:user_deactivate", args=[account.pk]))
    event = AccessEvent.objects.get(action="update", object_id=str(account.pk))

    assert (event.code, event.description) == ("user.deactivated", "")
    shown = {}
    for language in ("fr", "nl", "en"):
        dpo = client_as("dpo", language=language)
        shown[language] = dpo.get(JOURNAL, {"action": "update"}).content.decode()
    assert "Aline Peeters" in shown["fr"] and ": désactivé" in shown["fr"]
    assert ": gedeactiveerd" in shown["nl"]
    assert ": deactivated" in shown["en"]


@pytest.mark.django_db
def test_the_export_speaks_the_readers_language_header_included(client_as):
    make_event(code="password.changed", action="security")
    exports = {}
    for language in ("fr", "nl", "en"):
        dpo = client_as("dpo", language=language)
        exports[language] = _csv(dpo.get(EXPORT, {"action": "security"}))

    assert exports["fr"][0][:3] == ["heure (UTC)", "utilisateur", "action"]
    assert exports["nl"][0][:3] == ["tijdstip (UTC)", "gebruiker", "actie"]
    assert exports["en"][0][:3] == ["time (UTC)", "user", "action"]
    assert [row[2] for row in exports["fr"][1:]] == ["modification de sécurité"]
    assert [row[5] for row in exports["fr"][1:]] == ["mot de passe modifié"]
    assert [row[5] for row in exports["nl"][1:]] == ["wachtwoord gewijzigd"]
    assert [row[5] for row in exports["en"][1:]] == ["password changed"]


@pytest.mark.django_db
def test_entries_written_before_codes_still_show_their_text(client_as):
    make_event(action="export", description="callouts CSV without identities")
    dpo = client_as("dpo", language="nl")

    page = dpo.get(JOURNAL, {"action": "export"}).content.decode()
    rows = _csv(dpo.get(EXPORT, {"action": "export"}))

    assert "callouts CSV without identities" in page
    assert "callouts CSV without identities" in [row[5] for row in rows[1:]]


@pytest.mark.django_db
def test_service_names_and_choices_follow_the_readers_language(make_user):
    from directory.models import PartnerService
    from victims.models import Referral

    service = PartnerService(name_fr="Service d'aide aux victimes", name_nl="Slachtofferhulp")
    referral = Referral(status=Referral.Status.DECLINED)
    event = journal.record_system(
        journal.UPDATE,
        code="referral.sheet_sent",
        params={
            "object": "REF-000001",
            "service": journal.in_languages(fr=service.name_fr, nl=service.name_nl),
            "recipient": journal.choice(referral, "status"),
        },
        label="test",
    )

    with translation.override("nl"):
        dutch, dutch_status = event.text, str(Referral.Status.DECLINED.label)
    with translation.override("fr"):
        french, french_status = event.text, str(Referral.Status.DECLINED.label)
    assert dutch_status != french_status
    assert "Slachtofferhulp" in dutch and dutch_status in dutch
    assert "Service d'aide aux victimes" in french and french_status in french


@pytest.mark.django_db
def test_a_code_unknown_to_the_journal_or_a_missing_parameter_is_refused_when_written():
    with pytest.raises(ValueError, match="Unknown journal code"):
        journal.record_system(journal.VIEW, code="made.up", label="test")
    with pytest.raises(ValueError, match="needs the parameters"):
        journal.record_system(journal.SEARCH, code="users.search", label="test")
    assert not AccessEvent.objects.exists()
