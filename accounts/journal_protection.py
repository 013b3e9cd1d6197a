"""What keeps the access journal append-only against the app's own database role.

Two triggers (migration 0006) refuse UPDATE, DELETE and TRUNCATE on the journal for everyone. Only
the table's owner can disable a trigger, so the app runs as another role, with INSERT and SELECT on
the journal and nothing more, while migrations, the journal's retention purge and ``flush`` run as
the owner. ``problems()`` says what is wrong with the role the app connects as;
``docs/journal-protection.md`` explains the set-up.
"""

import re
from contextlib import contextmanager

from django.db import connections

TABLE = "accounts_accessevent"
ROW_TRIGGER = "accessevent_append_only"
TRUNCATE_TRIGGER = "accessevent_no_truncate"
FUNCTION = "accounts_accessevent_append_only"
# pg_trigger.tgtype bits
_ROW, _DELETE, _UPDATE, _TRUNCATE = 1, 8, 16, 32
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def table_exists(using: str = "default") -> bool:
    connection = connections[using]
    with connection.cursor() as cursor:
        return TABLE in connection.introspection.table_names(cursor)


@contextmanager
def lifted(*triggers: str, using: str = "default"):
    """Disable ``triggers`` for the work inside the block, within the caller's transaction.

    Only the table's owner may (PostgreSQL refuses anyone else); if the work fails, the transaction
    rolls back and the triggers were never off for anyone else (ALTER TABLE locks the table)."""
    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError("Lift the journal's triggers only inside a transaction.")
    with connection.cursor() as cursor:
        # PostgreSQL alters no table with deferred foreign-key checks pending from this
        # transaction's earlier writes: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for trigger in triggers:
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {trigger}")
    yield
    with connection.cursor() as cursor:
        for trigger in triggers:
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE ALWAYS TRIGGER {trigger}")


def grant_statements(role: str) -> list[str]:
    """What the app's role needs: read and write every table, but only insert and read the journal.

    Default privileges give the same to tables that later migrations create (when the owner runs
    them); the journal keeps its narrower grant."""
    if not ROLE_NAME.match(role):
        raise ValueError(f"{role!r} is not a plain role name (lower-case letters, digits, _).")
    return [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role}",
        f"REVOKE ALL ON {TABLE} FROM {role}",
        f"GRANT SELECT, INSERT ON {TABLE} TO {role}",
    ]


def problems(using: str = "default") -> tuple[str, list[str]]:
    """(the role the app connects as, what lets that role change or empty the journal)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT current_user, pg_get_userbyid(c.relowner), r.rolsuper,
                   pg_has_role(current_user, c.relowner, 'MEMBER'),
                   has_table_privilege(c.oid, 'INSERT'), has_table_privilege(c.oid, 'SELECT'),
                   has_table_privilege(c.oid, 'UPDATE'), has_table_privilege(c.oid, 'DELETE'),
                   has_table_privilege(c.oid, 'TRUNCATE'), has_table_privilege(c.oid, 'TRIGGER')
            FROM pg_class c, pg_roles r
            WHERE c.oid = %s::regclass AND r.rolname = current_user
            """,
            [TABLE],
        )
        role, owner, superuser, owner_member, *privileges = cursor.fetchone()
        cursor.execute(
            """
            SELECT t.tgname, t.tgenabled, t.tgtype, p.proname, p.prosrc, pg_get_userbyid(p.proowner)
            FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
            WHERE t.tgrelid = %s::regclass AND NOT t.tgisinternal
            """,
            [TABLE],
        )
        triggers = {name: rest for name, *rest in cursor.fetchall()}
    can_insert, can_select, can_update, can_delete, can_truncate, can_trigger = privileges
    found = []
    if superuser:
        found.append(f"The app connects as {role}, a superuser: it can disable the journal's triggers.")
    elif role == owner:
        found.append(f"The app connects as {role}, the owner of {TABLE}: it can disable the journal's triggers.")
    elif owner_member:
        found.append(f"The app connects as {role}, a member of {owner} (the owner of {TABLE}).")
    held = {"UPDATE": can_update, "DELETE": can_delete, "TRUNCATE": can_truncate, "TRIGGER": can_trigger}
    extra = [privilege for privilege, has in held.items() if has]
    if extra and not (superuser or role == owner):
        found.append(f"{role} holds {', '.join(extra)} on {TABLE}: it should hold INSERT and SELECT only.")
    if not (can_insert and can_select):
        found.append(f"{role} cannot insert into and read {TABLE}: the app cannot journal.")
    found += _trigger_problems(triggers, role)
    return role, found


def _trigger_problems(triggers: dict, role: str) -> list[str]:
    found = []
    for name, operations, needed in [
        (ROW_TRIGGER, _ROW | _UPDATE | _DELETE, "UPDATE and DELETE"),
        (TRUNCATE_TRIGGER, _TRUNCATE, "TRUNCATE"),
    ]:
        if name not in triggers:
            found.append(f"The trigger {name}, which refuses {needed} on {TABLE}, is missing: run the migrations.")
            continue
        enabled, kind, function, source, function_owner = triggers[name]
        if enabled != "A":
            found.append(f"The trigger {name} is {'disabled' if enabled == 'D' else 'not enabled ALWAYS'}.")
        if kind & operations != operations or function != FUNCTION or "pgtrigger" in source:
            found.append(f"The trigger {name} is not the one the migrations made: run the migrations again.")
        if function_owner == role:
            found.append(f"{role} owns the function {function}: it could replace it with one that refuses nothing.")
    return found
