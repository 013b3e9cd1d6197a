"""Template tags every app may use: form fields in Bootstrap 5 markup rendered in Python, and a
cheap Brussels date-time filter for long lists.

    {% load ui %}
    {% field form.email %}      one field: label (crispy's asterisk on required ones), widget, help
                                text and errors tied to it by aria-describedby
    {% fields form %}           non-field errors, hidden fields, then every visible field
    {{ callout.received_at|brussels }}   25/11/2026 19:06  ("iso", "date", "time" styles)

crispy-forms renders one template per field, and Django one template per <option>: about a
millisecond per field. Hot pages (lists with filters, the callout page) use these tags; forms shown
rarely may keep crispy's |crispy filter. The markup is the same.
"""

from django import forms, template
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from core.widgets import FastSelect, fast_input

register = template.Library()


def _fast(bound, attrs=None):
    """The widget's HTML; a plain <select> or <input> is rendered in Python (core.widgets)."""
    widget = bound.field.widget
    if type(widget) is forms.Select:
        fast = FastSelect(attrs=widget.attrs)
        fast.choices = bound.field.choices
        fast.is_required = widget.is_required
        return bound.as_widget(widget=fast, attrs=attrs)
    return bound.as_widget(widget=fast_input(widget), attrs=attrs)


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
    widget = bound.field.widget
    if isinstance(widget, forms.HiddenInput):
        return bound.as_widget()
    invalid = " is-invalid" if bound.errors else ""
    if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
        # CheckboxSelectMultiple is a subclass of RadioSelect: ask for it first.
        kind = "checkbox" if isinstance(widget, forms.CheckboxSelectMultiple) else "radio"
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
            _fast(bound, attrs),
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
        _fast(bound, attrs),
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
