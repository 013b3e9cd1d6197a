"""The access journal helper views call in one line.

    journal.record(request, journal.VIEW, callout)
    journal.record(request, journal.SEARCH, description="persons: 'dupont'", motif=form.cleaned_data["motif"])

It writes through the request's database connection, so with ATOMIC_REQUESTS the entry commits or
rolls back with the change it records. Descriptions name records by their reference, never by a
victim's name: the journal is read by the DPO, who does not need identities to audit access.
"""

import functools

from django.conf import settings
from django.db import connection, models

from accounts.models import AccessEvent

VIEW = AccessEvent.Action.VIEW
LIST = AccessEvent.Action.LIST
SEARCH = AccessEvent.Action.SEARCH
EXPORT = AccessEvent.Action.EXPORT
CREATE = AccessEvent.Action.CREATE
UPDATE = AccessEvent.Action.UPDATE
DELETE = AccessEvent.Action.DELETE
SIGN_IN = AccessEvent.Action.SIGN_IN
SIGN_IN_FAILED = AccessEvent.Action.SIGN_IN_FAILED
LOCKOUT = AccessEvent.Action.LOCKOUT
DENIED = AccessEvent.Action.DENIED
SIGN_OUT = AccessEvent.Action.SIGN_OUT
SECURITY = AccessEvent.Action.SECURITY
ANONYMISE = AccessEvent.Action.ANONYMISE


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the proxy's X-Forwarded-For when BEHIND_PROXY is on.

    Only the right-most forwarded address is trusted: it is the one our own proxy appended.
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def attempted_username(request, credentials=None) -> str:
    """The e-mail typed at sign-in, lower-cased, for django-axes' (e-mail, IP) lockout key."""
    value = ""
    if credentials:
        value = credentials.get("username") or credentials.get("email") or ""
    if not value and request is not None and request.method == "POST":
        value = request.POST.get("email", "")
    return value.strip().lower()


def describe(obj: models.Model) -> str:
    label = getattr(obj, "journal_label", None)
    if callable(label):
        return str(label())[:300]
    return f"{obj._meta.verbose_name} {obj.pk}"[:300]


def object_ref(obj: models.Model) -> tuple[str, str]:
    public_id = getattr(obj, "public_id", None)
    return obj._meta.label_lower, str(public_id if public_id is not None else obj.pk)


def record(
    request,
    action: str,
    obj: models.Model | None = None,
    *,
    description: str = "",
    motif: str = "",
    object_type: str = "",
    object_id: str = "",
    actor=None,
    actor_label: str = "",
) -> AccessEvent:
    """Write one journal entry for ``request`` (who, from where) about ``obj`` (what)."""
    if obj is not None:
        object_type, object_id = object_ref(obj)
        description = description or describe(obj)
    user = actor
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if candidate is not None and candidate.is_authenticated:
            user = candidate
    if user is not None and not actor_label:
        actor_label = user.email
    event = AccessEvent(
        actor=user,
        actor_label=actor_label[:254],
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        description=description[:300],
        motif=motif[:300],
        ip=client_ip(request) if request is not None else None,
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:300],
    )
    _insert(event)
    return event


def _insert(event: AccessEvent) -> None:
    """``event.save()`` without the ORM's compiling of the INSERT (0.3 ms on every page that shows
    personal data, six times the database's work): the statement is built once from the model.
    Through Django's cursor, so it joins the request's transaction and pghistory's context."""
    fields, sql = _insert_statement()
    values = [field.get_db_prep_save(getattr(event, field.attname), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        event.pk = cursor.fetchone()[0]
    event._state.adding = False
    event._state.db = connection.alias


@functools.cache
def _insert_statement():
    meta = AccessEvent._meta
    fields = [field for field in meta.concrete_fields if field is not meta.pk]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "  # noqa: S608 - names from the model
        f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(meta.pk.column)}"
    )
    return fields, sql


def record_system(
    action: str, *, description: str, object_type: str = "", object_id: str = "", label: str
) -> AccessEvent:
    """An entry written by a background task (retention, for example): no request, a named system actor."""
    return record(
        None, action, description=description, object_type=object_type, object_id=object_id, actor_label=label
    )
