from django import template
from django.urls import reverse
from django.utils.html import format_html

from accounts.fields import display_phone
from victims import drafts

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


@register.simple_tag
def status_badge(callout):
    return format_html(
        '<span class="badge status-badge status-{}">{}</span>', callout.status, callout.get_status_display()
    )


@register.simple_tag
def referral_badge(referral):
    return format_html(
        '<span class="badge referral-badge referral-{}">{}</span>', referral.status, referral.get_status_display()
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


_CALLOUT_PATH = []


@register.filter
def callout_path(public_id) -> str:
    """The callout page's path, reversed once and then assembled (no reverse() per row)."""
    if not _CALLOUT_PATH:
        marker = "00000000-0000-4000-8000-000000000000"
        _CALLOUT_PATH.append(reverse("victims:callout_detail", kwargs={"public_id": marker}).replace(marker, "{}"))
    return _CALLOUT_PATH[0].format(public_id)
