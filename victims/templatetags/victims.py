import functools
from html import escape

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.fields import display_phone
from core.templatetags.ui import brussels
from victims import drafts
from victims.models import Callout, Referral

register = template.Library()


@register.simple_tag(takes_context=True)
def draft_meta(context):
    """The two facts static/js/victims.js needs about drafts: whose drafts this browser may offer,
    and which forms the server just saved (their drafts are dropped)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    saved = context.get("saved_drafts")
    if saved is None:
        saved = drafts.consume(request)
    return format_html(
        '<meta name="victims-draft-scope" content="{}"><meta name="victims-saved-drafts" content="{}">',
        drafts.scope(request.user),
        " ".join(saved),
    )


@register.filter
def phone(value):
    return display_phone(value)


@functools.cache
def _labels(choices, language) -> dict:
    """A status's label in ``language`` (the active one): get_status_display() rebuilds the whole
    choices dict and resolves a lazy translation on every call, once per row of a long list."""
    return {value: str(label) for value, label in choices.choices}


def label_of(choices, value) -> str:
    return _labels(choices, get_language()).get(value, value)


@functools.cache
def _field_labels(model, field_name: str, language) -> dict:
    return {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}


@register.filter
def label(obj, field_name: str) -> str:
    """``{{ involvement|label:"role" }}``: what ``get_role_display()`` gives, from a dict made once
    per language (get_FOO_display() rebuilds it and resolves a lazy translation on every call)."""
    value = getattr(obj, field_name)
    return _field_labels(type(obj), field_name, get_language()).get(value, value)


@register.simple_tag
def status_badge(callout):
    """The status of a callout (or a status value, for the list's rows) as a coloured badge."""
    status = callout.status if isinstance(callout, Callout) else callout
    return format_html('<span class="badge status-badge status-{}">{}</span>', status, label_of(Callout.Status, status))


@register.simple_tag
def referral_badge(referral):
    return format_html(
        '<span class="badge referral-badge referral-{}">{}</span>',
        referral.status,
        label_of(Referral.Status, referral.status),
    )


@register.filter
def choice_labels(values, choices):
    labels = dict(choices)
    return ", ".join(str(labels.get(value, value)) for value in values or [])


@register.simple_tag
def tel_link(number, css_class="btn btn-outline-primary"):
    if not number:
        return "—"
    return format_html(
        '<a class="{}" href="tel:{}"><i class="bi bi-telephone" aria-hidden="true"></i> {}</a>',
        css_class,
        number,
        display_phone(number),
    )


@functools.cache
def _path_pattern(url_name: str, kwarg: str, **fixed) -> str:
    marker = "00000000-0000-4000-8000-000000000001"
    return reverse(url_name, kwargs={kwarg: marker, **fixed}).replace(marker, "{}")


# A page's path, reversed once and then assembled: reverse() costs some 50 µs, once per row of a list.


@register.filter
def callout_path(public_id) -> str:
    return _path_pattern("victims:callout_detail", "public_id").format(public_id)


@register.filter
def person_path(public_id) -> str:
    return _path_pattern("victims:person_detail", "public_id").format(public_id)


@register.filter
def referral_path(public_id) -> str:
    return _path_pattern("victims:referral_detail", "public_id").format(public_id)


@register.filter
def refer_path(person_public_id, callout_public_id) -> str:
    """``{{ person.public_id|refer_path:callout.public_id }}``: the "Refer" page of a person."""
    marker = "00000000-0000-4000-8000-000000000000"
    pattern = _path_pattern("victims:referral_create", "person_id", public_id=marker)
    return pattern.replace(marker, str(callout_public_id)).format(person_public_id)


@functools.cache
def _row_labels(language) -> tuple[str, ...]:
    """The column names a phone shows in front of each cell (table-stack), in ``language``,
    escaped for an attribute."""
    return tuple(
        escape(_(label))
        for label in ("Reference", "Received", "Incident category", "Commune", "Assistant", "Persons", "Status")
    )


@register.simple_tag
def callout_rows(rows):
    """The rows of the callout list, from the view's plain values.

    In Python rather than in the template: 25 rows of seven cells are some 430 template nodes and
    500 calls of Django's escaping, as long to render as the rest of the page together. The same
    markup is built here with the standard library's html.escape (what Django's escape calls) on
    every value that comes from the database.
    """
    ref, received, category, commune, assistant, persons, status = _row_labels(get_language())
    statuses = _labels(Callout.Status, get_language())
    path = _path_pattern("victims:callout_detail", "public_id")
    html = []
    for row in rows:
        at = row["received_at"]
        html.append(
            f'<tr><td data-label="{ref}"><a href="{escape(path.format(row["public_id"]))}">'
            f"{escape(row['reference'])}</a></td>"
            f'<td data-label="{received}"><time datetime="{brussels(at, "iso")}">{brussels(at)}</time></td>'
            f'<td data-label="{category}">{escape(row["category"])}</td>'
            f'<td data-label="{commune}">{escape(row["commune"])}</td>'
            f'<td class="d-none d-lg-table-cell" data-label="{assistant}">{escape(row["assistant_name"] or "—")}</td>'
            f'<td class="text-md-end" data-label="{persons}">{int(row["persons_count"])}</td>'
            f'<td data-label="{status}"><span class="badge status-badge status-{escape(row["status"])}">'
            f"{escape(statuses.get(row['status'], row['status']))}</span></td></tr>"
        )
    return mark_safe("".join(html))  # noqa: S308 - every database value above goes through escape()


@register.simple_tag
def person_rows(persons):
    """The name search's results (up to 50), built like callout_rows() and for the same reason:
    name, age (or age band) and commune of each person, every database value escaped."""
    path = _path_pattern("victims:person_detail", "public_id")
    html = []
    for person in persons:
        about = escape(person.age_description)
        if person.commune_id:
            about += f" · {escape(person.commune.name)}"
        html.append(
            '<li class="list-group-item d-flex flex-wrap gap-2 align-items-center">'
            f'<a class="fw-semibold" href="{escape(path.format(person.public_id))}">{escape(person.display_name)}</a>'
            f'<span class="small text-body-secondary">{about}</span></li>'
        )
    return mark_safe("".join(html))  # noqa: S308 - every database value above goes through escape()


@register.filter
def referral_status(value) -> str:
    """A referral status stored as its code (in a message's context) as the reader reads it."""
    return Referral.Status(value).label if value in Referral.Status.values else value
