"""A select that renders its options in Python: Django's Select renders one template per option,
which makes a page with a few long lists (filters, categories, staff) several times slower than
the rest of it put together. Same markup, same attributes, escaped the same way. And the same for
plain <input> widgets (three templates each: 0.1 ms a field on every filter bar).

``{% field %}`` and ``{% fields %}`` (core/templatetags/ui.py) render every plain select and
input this way: a form shown through them needs nothing more."""

import copy
import functools
from html import escape

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeData, mark_safe


class FastSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        selected = {str(v) for v in (value if isinstance(value, (list, tuple)) else [value]) if v is not None}
        options = []
        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):  # an optgroup: not used by our forms, keep Django's way
                return super().render(name, value, attrs, renderer)
            key = "" if option_value is None else str(option_value)
            options.append((key, " selected" if key in selected else "", label))
        attributes = format_html_join(
            "",
            ' {}="{}"',
            ((key, val) for key, val in final.items() if val is not False and val is not None and val is not True),
        )
        flags = "".join(f" {key}" for key, val in final.items() if val is True)
        # The standard library's html.escape is what Django's escape() calls, without the lazy-string
        # and SafeData checks on every argument: 60 options in 40 µs instead of 260 µs.
        body = "".join(
            f'<option value="{escape(k)}"{s}>{lbl if isinstance(lbl, SafeData) else escape(str(lbl))}</option>'
            for k, s, lbl in options
        )
        return format_html("<select{}{}>{}</select>", attributes, mark_safe(flags), mark_safe(body))  # noqa: S308


# The <input> widgets whose template is Django's input.html and nothing more.
PLAIN_INPUTS = (
    forms.TextInput,
    forms.EmailInput,
    forms.NumberInput,
    forms.TelInput,
    forms.URLInput,
    forms.SearchInput,
    forms.DateInput,
    forms.DateTimeInput,
    forms.TimeInput,
)


class FastInputMixin:
    """Django's input.html and attrs.html, in Python."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        value_attr = "" if widget["value"] is None else f' value="{_escaped(widget["value"])}"'
        attributes = "".join(
            f" {_escaped(key)}" if val is True else f' {_escaped(key)}="{_escaped(val)}"'
            for key, val in widget["attrs"].items()
            if val is not False
        )
        return mark_safe(f'<input type="{_escaped(widget["type"])}" name="{_escaped(name)}"{value_attr}{attributes}>')  # noqa: S308 - every part escaped


def _escaped(value) -> str:
    """What the template's autoescaping gives: safe strings as they are, the rest escaped."""
    return value if isinstance(value, SafeData) else escape(str(value))


@functools.cache
def _fast_input_class(cls):
    return type(f"Fast{cls.__name__}", (FastInputMixin, cls), {})


def fast_input(widget):
    """A copy of ``widget`` (attributes, format, type kept) that renders in Python, or None when
    ``widget`` is not a plain <input>."""
    if type(widget) not in PLAIN_INPUTS:
        return None
    fast = copy.copy(widget)
    fast.__class__ = _fast_input_class(type(widget))
    return fast
