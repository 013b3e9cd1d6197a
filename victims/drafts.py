"""Drafts kept by the browser (static/js/victims.js) while a form is being filled.

The browser keeps the fields of an unsaved form in localStorage — never a person's identity
fields — so that a network drop or a closed tab loses nothing. The server tells it when a form was
saved (so the draft is dropped) and whose drafts it may offer (a per-user scope: on a shared
phone, the next user never sees the previous user's drafts, which are deleted at once).
"""

import hmac
from hashlib import sha256

from django.conf import settings

SESSION_KEY = "victims_saved_drafts"


def saved(request, key) -> None:
    """Remember that the form identified by ``key`` (its idempotency token, or
    ``callout-edit:<uuid>``) was saved: the next page tells the browser to drop its draft."""
    keys = [*request.session.get(SESSION_KEY, []), str(key)][-20:]
    request.session[SESSION_KEY] = keys


def consume(request) -> list[str]:
    return request.session.pop(SESSION_KEY, []) if SESSION_KEY in request.session else []


def scope(user) -> str:
    """A stable, opaque tag per user (not their id) to label the drafts kept in the browser."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"victims-drafts:{user.pk}".encode(), sha256)
    return digest.hexdigest()[:16]
