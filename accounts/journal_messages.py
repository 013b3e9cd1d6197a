"""What the access journal can say: one code per kind of entry, its text in every language.

An entry stores a code and its parameters, never a sentence: the DPO reads the journal in French,
Dutch or English, and the CSV export in the language of whoever exports it. A code is never
renamed or removed once written (old entries keep it); a new kind of entry gets a new code here.
Entries written before codes existed keep their free text in ``AccessEvent.description``.

Parameters are JSON values: plain text and numbers are shown as stored; ``journal.choice``,
``journal.field_names`` and ``journal.in_languages`` store what is translated when shown.
"""

import functools
import re

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import translation
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

MESSAGES = {
    # An entry about one object and nothing more: the object's reference.
    "object": "%(object)s",
    # --- sign-in and the account's own security
    "sign_in.authenticator": _("password + authenticator app"),
    "sign_in.backup": _("password + backup code"),
    "sign_in.trusted_device": _("password + trusted device"),
    "sign_in.enrolled": _("password + authenticator app set up now"),
    "sign_in.wrong_password": _("wrong e-mail address or password"),
    "sign_in.locked_out": _("sign-in refused: locked out"),
    "second_factor.invalid": _("wrong second-factor code"),
    "second_factor.throttled": _("second-factor code refused: too many wrong codes"),
    "second_factor.enrolled": _("authenticator app set up"),
    "second_factor.reset": _("%(object)s: second factor reset"),
    "device.trusted": _("device trusted"),
    "device.revoked": _("trusted device revoked"),
    "backup_codes.new": _("new backup codes"),
    "password.changed": _("password changed"),
    "password.set_by_link": _("password set through an e-mail link"),
    "password_reset.sent": _("password reset link sent"),
    "password_reset.unknown": _("password reset asked for an address without an active account"),
    "password_reset.refused": _("password reset refused: too many requests"),
    "session.ended": _("another session ended"),
    "denied": "%(request)s",
    # --- accounts administration and the journal itself
    "user.created": _("%(object)s: created"),
    "user.changed": _("%(object)s: changed"),
    "user.deactivated": _("%(object)s: deactivated"),
    "user.reactivated": _("%(object)s: reactivated"),
    "user.link_sent": _("%(object)s: sign-in link sent"),
    "users.list": _("users"),
    "users.search": _("users searched: %(filters)s"),
    "journal.list": _("access journal"),
    "journal.search": _("access journal searched: %(filters)s"),
    "journal.export": _("access journal exported (CSV) %(filters)s"),
    # --- callouts
    "callout.paged": _("%(object)s: on-call AC paged"),
    "callout.opened": _("%(object)s: opened by the AC"),
    "callout.history": _("%(object)s: change history"),
    "callout.accept": _("%(object)s: accepted"),
    "callout.en_route": _("%(object)s: on the way"),
    "callout.on_scene": _("%(object)s: on scene"),
    "callout.close": _("%(object)s: finished"),
    "callout.cancel": _("%(object)s: cancelled"),
    "callout.edit_form": _("%(object)s: edit form"),
    "callout.changed": _("%(object)s: changed %(fields)s"),
    "callout.debrief_held": _("%(object)s: debrief held"),
    "callout.person_added": _("%(object)s: person %(person)s added"),
    "callout.person_removed": _("%(object)s: person %(person)s removed"),
    "callout.help_given": _("%(object)s: help given (%(kind)s)"),
    "callout.officer_coached": _("%(object)s: officer coached"),
    "callout.followup_added": _("%(object)s: follow-up added"),
    "callouts.list": _("callouts"),
    "callouts.search": _("callouts searched: %(filters)s"),
    "callouts.export": _("callouts exported (%(format)s, with identities) %(filters)s"),
    "callouts.export_anonymous": _("callouts exported (%(format)s, without identities) %(filters)s"),
    "followups.list": _("follow-ups"),
    "followup.done": _("follow-up done"),
    # --- persons
    "person.created": _("%(object)s: added to %(callout)s"),
    "person.edit_form": _("%(object)s: edit form"),
    "person.changed": _("%(object)s: changed %(fields)s"),
    "person.followup_added": _("%(object)s: follow-up added"),
    "persons.search": _("persons searched: “%(text)s”"),
    "persons.duplicate_check": _("persons: duplicate check while adding to %(callout)s"),
    # --- referrals
    "referral.form": _("%(object)s: referral form"),
    "referral.created": _("%(object)s: %(person)s of %(callout)s to %(service)s"),
    "referral.sheet_sent": _("%(object)s: sheet sent to %(service)s (%(recipient)s)"),
    "referral.status": _("%(object)s: %(status)s"),
    "referral.sheet": _("%(object)s: referral sheet"),
    "referral.sheet_pdf": _("%(object)s: referral sheet PDF"),
    "referral.answered": _("%(object)s: answer of the service: %(status)s"),
    "referral.opened_by_service": _("%(object)s: opened by the service through its link"),
    "referral.pdf_by_service": _("%(object)s: sheet PDF downloaded by the service"),
    "referrals.list": _("referrals"),
    # --- retention
    "retention.dry_run": _(
        "dry run, would anonymise: persons %(persons)s, callouts %(callouts)s (finished before %(cutoff)s)"
    ),
    "retention.anonymised": _("anonymised: persons %(persons)s, callouts %(callouts)s (finished before %(cutoff)s)"),
    "journal.purged": _("journal entries older than %(cutoff)s deleted: %(count)s"),
    # --- rota
    "oncall.api_now": _("who is on call now (API)"),
    "api_token.created": _("API token %(prefix)s… (%(name)s) created"),
    "api_token.revoked": _("API token %(prefix)s… (%(name)s) revoked"),
    "absences.list": _("absences: %(count)s"),
    "absence.created": pgettext_lazy("journal", "absence recorded"),
    "absence.deleted": pgettext_lazy("journal", "absence deleted"),
    "calendar.created": _("calendar link created (the previous one revoked)"),
    "calendar.revoked": _("calendar link revoked"),
    "calendar.read_own": _("calendar feed read: own shifts"),
    "calendar.read_rota": _("calendar feed read: whole rota"),
    # --- notifications
    "notifications.list": _("notification deliveries"),
    "notifications.search": _("notification deliveries searched: %(filters)s"),
    "notification.retry": _("notification %(id)s (%(channel)s): sent again"),
}

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@functools.cache
def placeholders(code: str) -> frozenset[str]:
    """The parameters the code's text needs (read from its English text, the same in every language)."""
    with translation.override(None):
        return frozenset(_PLACEHOLDER.findall(str(MESSAGES[code])))


def render(code: str, params: dict | None, fallback: str = "") -> str:
    """The entry's text in the active language; ``fallback`` (the free text of an entry written
    before codes existed) when there is no code."""
    if not code:
        return fallback
    message = MESSAGES.get(code)
    values = {name: _value(value) for name, value in (params or {}).items()}
    if message is None:  # unknown to this version: show what is stored rather than nothing
        return " ".join([code, *(f"{name}={value}" for name, value in values.items())])
    try:
        return (str(message) % values).strip()
    except (KeyError, ValueError, TypeError):
        return str(message)


def _value(value) -> str:
    if isinstance(value, list):
        return ", ".join(_value(item) for item in value)
    if not isinstance(value, dict):
        return str(value)
    try:
        if "languages" in value:
            names = value["languages"]
            return names.get((get_language() or "fr")[:2]) or names.get("fr") or next(iter(names.values()), "")
        if "choice" in value:
            model_label, field_name = value["choice"]
            field = apps.get_model(model_label)._meta.get_field(field_name)
            return str(dict(field.flatchoices).get(value["value"], value["value"]))
        if "fields" in value:
            model = apps.get_model(value["fields"])
            return ", ".join(_verbose_name(model, name) for name in value["names"])
    except (LookupError, ValueError, TypeError, KeyError):
        pass
    return str(value)


def _verbose_name(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name
