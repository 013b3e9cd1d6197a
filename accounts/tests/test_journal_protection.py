"""The access journal cannot be emptied or edited from a database session: every way in is tried,
as the tables' owner and as the app's own role (a role that does not own the table, made here)."""

import uuid
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts import journal
from accounts.journal_protection import ROW_TRIGGER, TABLE, TRUNCATE_TRIGGER
from accounts.models import AccessEvent, User

pytestmark = pytest.mark.django_db

# What pgtrigger's own trigger listened to: any session could set it and DELETE.
PGTRIGGER_IGNORE = "SET LOCAL pgtrigger.ignore = '{pgtrigger_accessevent_append_only_16f2d,accessevent_append_only}'"


def sql(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def refused(*statements: str) -> str:
    """Run ``statements`` in one savepoint; they must fail. Returns the database's message."""
    with pytest.raises(DatabaseError) as failure, transaction.atomic():
        for statement in statements:
            sql(statement)
    return str(failure.value)


@contextmanager
def as_role(role: str):
    """The connection acts as ``role`` (privileges and ownership checked as for that role)."""
    sql(f"SET ROLE {role}")
    try:
        yield
    finally:
        sql("RESET ROLE")


def new_role(prefix: str) -> str:
    # Roles belong to the whole cluster; CREATE ROLE is transactional, so the test's rollback drops it.
    role = f"test_{prefix}_{uuid.uuid4().hex[:10]}"
    sql(f"CREATE ROLE {role} NOLOGIN")
    return role


@pytest.fixture
def app_role():
    """A role set up as the deployment documents it: not the owner, INSERT and SELECT on the journal."""
    role = new_role("app")
    call_command("grant_app_role", role, stdout=None)
    return role


@pytest.fixture
def entries(make_user):
    now = timezone.now()
    someone = make_user("assistant")
    rows = [
        AccessEvent.objects.create(
            action="view", actor=someone, actor_label="a@example.org", code="journal.list", at=now
        ),
        AccessEvent.objects.create(action="view", actor_label="b@example.org", code="journal.list", at=now),
    ]
    # As if committed: the rows' deferred foreign-key checks would otherwise stop TRUNCATE and
    # ALTER TABLE with "pending trigger events" before the triggers are even reached.
    sql("SET CONSTRAINTS ALL IMMEDIATE")
    return rows


def journal_intact(entries) -> bool:
    stored = {
        (event.pk, event.actor_label, event.code)
        for event in AccessEvent.objects.filter(pk__in=[e.pk for e in entries])
    }
    return stored == {(event.pk, event.actor_label, event.code) for event in entries}


# --- for everyone, the owner included -----------------------------------------------------------------------


def test_truncate_is_refused_even_to_the_tables_owner(entries):
    message = refused(f"TRUNCATE {TABLE}")

    assert "append-only" in message and "TRUNCATE" in message
    assert journal_intact(entries)


def test_truncate_among_other_tables_is_refused(entries):
    refused(f"TRUNCATE accounts_usersession, {TABLE}")

    assert journal_intact(entries)


def test_the_pgtrigger_ignore_setting_no_longer_lets_a_delete_or_update_through(entries):
    refused(PGTRIGGER_IGNORE, f"DELETE FROM {TABLE}")
    refused(PGTRIGGER_IGNORE, f"UPDATE {TABLE} SET actor_label = 'someone else'")

    assert journal_intact(entries)


def test_replica_mode_does_not_silence_the_triggers(entries):
    # session_replication_role = replica turns ordinary triggers off; these fire ALWAYS.
    refused("SET LOCAL session_replication_role = replica", f"DELETE FROM {TABLE}")
    refused("SET LOCAL session_replication_role = replica", f"TRUNCATE {TABLE}")

    assert journal_intact(entries)


def test_the_triggers_are_plain_sql_with_no_escape_hatch():
    triggers = dict(
        sql(
            "SELECT t.tgname, p.prosrc FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE t.tgrelid = %s::regclass AND NOT t.tgisinternal",
            [TABLE],
        )
    )

    assert set(triggers) == {ROW_TRIGGER, TRUNCATE_TRIGGER}
    assert not any("pgtrigger" in source or "current_setting" in source for source in triggers.values())


# --- as the app's own role ----------------------------------------------------------------------------------


def test_the_app_role_journals_reads_and_works_on_the_other_tables(app_role, make_user):
    user = make_user("assistant")

    with as_role(app_role):
        event = journal.record_system(journal.VIEW, code="journal.list", label="app")
        User.objects.filter(pk=user.pk).update(full_name="Changed By The App")
        assert AccessEvent.objects.filter(pk=event.pk).exists()

    user.refresh_from_db()
    assert user.full_name == "Changed By The App"


@pytest.mark.parametrize(
    "statement",
    [
        f"DELETE FROM {TABLE}",
        f"UPDATE {TABLE} SET actor_label = 'someone else'",
        f"TRUNCATE {TABLE}",
        f"ALTER TABLE {TABLE} DISABLE TRIGGER {ROW_TRIGGER}",
        f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRUNCATE_TRIGGER}",
        f"ALTER TABLE {TABLE} DISABLE TRIGGER ALL",
        f"DROP TRIGGER {ROW_TRIGGER} ON {TABLE}",
        f"ALTER TABLE {TABLE} OWNER TO CURRENT_USER",
        "CREATE OR REPLACE FUNCTION accounts_accessevent_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END; $$",
        "SET session_replication_role = replica",
    ],
)
def test_the_app_role_cannot_change_empty_or_unprotect_the_journal(app_role, entries, statement):
    with as_role(app_role):
        message = refused(PGTRIGGER_IGNORE, statement)

    assert "permission denied" in message or "must be owner" in message, message
    assert journal_intact(entries)


def test_a_role_granted_delete_by_mistake_is_still_refused_by_the_triggers(app_role, entries):
    sql(f"GRANT UPDATE, DELETE, TRUNCATE ON {TABLE} TO {app_role}")

    with as_role(app_role):
        for statement in (f"DELETE FROM {TABLE}", f"UPDATE {TABLE} SET code = ''", f"TRUNCATE {TABLE}"):
            assert "append-only" in refused(PGTRIGGER_IGNORE, statement)

    assert journal_intact(entries)


def test_the_app_role_cannot_flush_the_database(app_role, entries):
    with as_role(app_role), pytest.raises((CommandError, DatabaseError)), transaction.atomic():
        call_command("flush", interactive=False, verbosity=0)

    assert journal_intact(entries)


# --- the check command ----------------------------------------------------------------------------------------


def check() -> str:
    from io import StringIO

    out = StringIO()
    call_command("check_journal_protection", stdout=out)
    return out.getvalue()


def test_the_check_passes_for_the_documented_app_role(app_role):
    with as_role(app_role):
        assert f"protected against the app's role {app_role}" in check()


def test_the_check_refuses_a_superuser():
    with pytest.raises(CommandError, match="a superuser: it can disable the journal's triggers"):
        check()


def test_the_check_refuses_the_tables_owner_who_can_indeed_disable_the_triggers(entries):
    owner = new_role("owner")
    sql(f"ALTER TABLE {TABLE} OWNER TO {owner}")
    sql(f"ALTER FUNCTION accounts_accessevent_append_only() OWNER TO {owner}")

    with as_role(owner):
        with pytest.raises(CommandError) as failure:
            check()
        with transaction.atomic():
            sql(f"ALTER TABLE {TABLE} DISABLE TRIGGER {ROW_TRIGGER}")
            sql(f"DELETE FROM {TABLE}")  # the reason the app must not run as the owner
            transaction.set_rollback(True)

    assert f"the owner of {TABLE}" in str(failure.value)
    assert "owns the function" in str(failure.value)
    assert journal_intact(entries)


def test_the_check_names_an_extra_privilege_and_a_disabled_trigger(app_role):
    sql(f"GRANT DELETE ON {TABLE} TO {app_role}")
    sql(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRUNCATE_TRIGGER}")

    with as_role(app_role), pytest.raises(CommandError) as failure:
        check()

    message = str(failure.value)
    assert f"holds DELETE on {TABLE}" in message
    assert f"The trigger {TRUNCATE_TRIGGER} is disabled" in message


# --- retention: the owner purges old entries ---------------------------------------------------------------


def test_the_owner_purges_entries_past_the_retention_period_and_journals_it(settings, entries):
    settings.JOURNAL_RETENTION_YEARS = 10
    now = timezone.now()
    old = AccessEvent.objects.create(action="view", actor_label="old@example.org", at=now - timedelta(days=3660 + 5))
    recent = AccessEvent.objects.create(action="view", actor_label="x@example.org", at=now - timedelta(days=3640))

    call_command("purge_journal", stdout=None)

    assert not AccessEvent.objects.filter(pk=old.pk).exists()
    assert AccessEvent.objects.filter(pk=recent.pk).exists() and journal_intact(entries)
    purge = AccessEvent.objects.get(code="journal.purged")
    assert purge.action == "delete" and purge.params["count"] == 1 and purge.actor is None
    # the refusal is back at once
    refused(f"DELETE FROM {TABLE}")


def test_a_dry_run_purges_nothing(settings):
    settings.JOURNAL_RETENTION_YEARS = 1
    old = AccessEvent.objects.create(
        action="view", actor_label="o@example.org", at=timezone.now() - timedelta(days=800)
    )
    from io import StringIO

    out = StringIO()
    call_command("purge_journal", "--dry-run", stdout=out)

    assert "1 entries" in out.getvalue()
    assert AccessEvent.objects.filter(pk=old.pk).exists()


def test_the_app_role_cannot_purge(settings, app_role):
    settings.JOURNAL_RETENTION_YEARS = 1
    old = AccessEvent.objects.create(
        action="view", actor_label="o@example.org", at=timezone.now() - timedelta(days=800)
    )

    with as_role(app_role), pytest.raises(CommandError, match="owner"):
        call_command("purge_journal", stdout=None)

    assert AccessEvent.objects.filter(pk=old.pk).exists()
