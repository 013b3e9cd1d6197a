"""The access journal helper views call in one line.

    journal.record(request, journal.VIEW, callout)
    journal.record(request, journal.UPDATE, callout, "callout.debrief_held")
    journal.record(request, journal.SEARCH, code="persons.search", params={"text": text}, motif=motif)

An entry stores a code from ``accounts.journal_messages.MESSAGES`` and its parameters; the text is
made when the entry is shown, in the reader's language. It is written through the request's
database connection, so with ATOMIC_REQUESTS the entry commits or rolls back with the change it
records. Parameters name records by their reference, never by a victim's name: the journal is read
by the DPO, who does not need identities to audit access.
"""

from django.conf import settings
from django.db import models

from accounts import journal_messages
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
    return str(obj.pk)


def object_ref(obj: models.Model) -> tuple[str, str]:
    public_id = getattr(obj, "public_id", None)
    return obj._meta.label_lower, str(public_id if public_id is not None else obj.pk)


# --- parameters translated when shown -------------------------------------------------------------------


def choice(instance: models.Model, field_name: str) -> dict:
    """A choice field's value, shown as its label in the reader's language."""
    return {"choice": [instance._meta.label_lower, field_name], "value": getattr(instance, field_name)}


def field_names(model, names) -> dict:
    """Field names of ``model`` (a class or an instance), shown as their labels in the reader's language."""
    return {"fields": model._meta.label_lower, "names": list(names)}


def in_languages(**texts: str) -> dict:
    """A name kept in several languages (``fr=…, nl=…``), shown in the reader's (French otherwise)."""
    return {"languages": texts}


# --- writing -------------------------------------------------------------------------------------------


def record(
    request,
    action: str,
    obj: models.Model | None = None,
    code: str = "object",
    *,
    params: dict | None = None,
    motif: str = "",
    object_type: str = "",
    object_id: str = "",
    actor=None,
    actor_label: str = "",
) -> AccessEvent:
    """Write one journal entry for ``request`` (who, from where) about ``obj`` (what).

    ``code`` says what happened (a key of ``journal_messages.MESSAGES``), ``params`` fill its text;
    the object's reference is the ``object`` parameter of every text that names it.
    """
    if code not in journal_messages.MESSAGES:
        raise ValueError(f"Unknown journal code {code!r}: add it to accounts.journal_messages.MESSAGES")
    params = dict(params or {})
    if obj is not None:
        object_type, object_id = object_ref(obj)
        if "object" in journal_messages.placeholders(code):
            params.setdefault("object", describe(obj))
    missing = journal_messages.placeholders(code) - params.keys()
    if missing:
        raise ValueError(f"Journal code {code!r} needs the parameters {sorted(missing)}")
    user = actor
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if candidate is not None and candidate.is_authenticated:
            user = candidate
    if user is not None and not actor_label:
        actor_label = user.email
    return AccessEvent.objects.create(
        actor=user,
        actor_label=actor_label[:254],
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        code=code,
        params=params or None,
        motif=motif[:300],
        ip=client_ip(request) if request is not None else None,
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:300],
    )


def record_system(
    action: str, *, code: str, params: dict | None = None, object_type: str = "", object_id: str = "", label: str
) -> AccessEvent:
    """An entry written by a background task (retention, for example): no request, a named system actor."""
    return record(
        None, action, code=code, params=params, object_type=object_type, object_id=object_id, actor_label=label
    )
