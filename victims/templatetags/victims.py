from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

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


# --- form fields: Bootstrap 5 markup rendered in Python --------------------------------------------------
# crispy-forms renders one template per field (about 1 ms each); the callout page carries four
# forms. These tags give the same markup — label (with crispy's asterisk on required fields), the
# widget, help text and errors tied to it by aria-describedby — at a fraction of the cost.


def _described(bound, widget_attrs):
    ids = []
    if bound.help_text:
        ids.append(f"{bound.auto_id}_helptext")
    if bound.errors:
        ids.append(f"{bound.auto_id}_error")
        widget_attrs["aria-invalid"] = "true"
    if ids:
        widget_attrs["aria-describedby"] = " ".join(ids)
    return widget_attrs


def _help_and_errors(bound):
    parts = []
    if bound.help_text:
        parts.append(format_html('<div id="{}_helptext" class="form-text">{}</div>', bound.auto_id, bound.help_text))
    if bound.errors:
        parts.append(
            format_html(
                '<div id="{}_error" class="invalid-feedback d-block">{}</div>', bound.auto_id, " ".join(bound.errors)
            )
        )
    return format_html_join("", "{}", ((part,) for part in parts))


def _label_text(bound):
    if bound.field.required:
        return format_html('{}<span class="asteriskField">*</span>', bound.label)
    return format_html("{}", bound.label)


@register.simple_tag
def field(bound):
    """One form field in Bootstrap 5 markup."""
    from django import forms

    widget = bound.field.widget
    if isinstance(widget, forms.HiddenInput):
        return bound.as_widget()
    invalid = " is-invalid" if bound.errors else ""
    if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
        kind = "radio" if isinstance(widget, forms.RadioSelect) else "checkbox"
        options = []
        for sub in bound.subwidgets:
            data = sub.data
            attrs = {**data["attrs"], "class": f"form-check-input{invalid}"}
            checked = " checked" if data["selected"] else ""
            options.append(
                format_html(
                    '<div class="form-check"><input type="{}" name="{}" value="{}" id="{}" class="{}"{}>'
                    '<label class="form-check-label" for="{}">{}</label></div>',
                    kind,
                    data["name"],
                    data["value"] if data["value"] is not None else "",
                    attrs.get("id", ""),
                    attrs["class"],
                    mark_safe(checked),
                    attrs.get("id", ""),
                    data["label"],
                )
            )
        return format_html(
            '<fieldset id="div_{}" class="mb-3"{}><legend class="form-label fs-6 mb-1">{}</legend>{}{}</fieldset>',
            bound.auto_id,
            mark_safe(f' aria-describedby="{bound.auto_id}_error"') if bound.errors else "",
            _label_text(bound),
            format_html_join("", "{}", ((option,) for option in options)),
            _help_and_errors(bound),
        )
    if isinstance(widget, forms.CheckboxInput):
        attrs = _described(bound, {"class": f"form-check-input{invalid}"})
        return format_html(
            '<div id="div_{}" class="mb-3 form-check">{}<label class="form-check-label" for="{}">{}</label>{}</div>',
            bound.auto_id,
            bound.as_widget(attrs=attrs),
            bound.id_for_label,
            _label_text(bound),
            _help_and_errors(bound),
        )
    css = "form-select" if isinstance(widget, forms.Select) else "form-control"
    attrs = _described(bound, {"class": f"{css}{invalid}"})
    return format_html(
        '<div id="div_{}" class="mb-3"><label for="{}" class="form-label">{}</label>{}{}</div>',
        bound.auto_id,
        bound.id_for_label,
        _label_text(bound),
        bound.as_widget(attrs=attrs),
        _help_and_errors(bound),
    )


@register.simple_tag
def fields(form):
    """Every field of ``form``: non-field errors, hidden fields, then the visible ones."""
    parts = []
    if form.non_field_errors():
        parts.append(
            format_html('<div class="alert alert-danger" role="alert">{}</div>', " ".join(form.non_field_errors()))
        )
    parts += [field(bound) for bound in form.hidden_fields()]
    parts += [field(bound) for bound in form.visible_fields()]
    return format_html_join("", "{}", ((part,) for part in parts))


# --- cheap per-row helpers for long lists ------------------------------------------------------------------


@register.filter
def brussels(value, style="datetime"):
    """A Brussels date-time as Belgians write it (25/11/2026 19:06), without the cost of the
    localized |date filter on every row; style "iso" gives the datetime attribute of <time>."""
    if not value:
        return ""
    local = timezone.localtime(value)
    if style == "iso":
        return local.isoformat()
    if style == "date":
        return local.strftime("%d/%m/%Y")
    if style == "time":
        return local.strftime("%H:%M")
    return local.strftime("%d/%m/%Y %H:%M")


_CALLOUT_PATH = []


@register.filter
def callout_path(public_id) -> str:
    """The callout page's path, reversed once and then assembled (no reverse() per row)."""
    if not _CALLOUT_PATH:
        marker = "00000000-0000-4000-8000-000000000000"
        _CALLOUT_PATH.append(reverse("victims:callout_detail", kwargs={"public_id": marker}).replace(marker, "{}"))
    return _CALLOUT_PATH[0].format(public_id)
