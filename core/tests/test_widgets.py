"""The widgets rendered in Python give Django's own markup, character for character."""

import datetime

import pytest
from django import forms
from django.test.html import parse_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from core.widgets import FastSelect, fast_input

ODD = 'Vol & <agression> "nocturne" l\'après-midi'


@pytest.mark.parametrize(
    ("widget", "value", "attrs"),
    [
        (forms.TextInput(), None, {}),
        (forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}), ODD, {"id": "id_q"}),
        (forms.TextInput(attrs={"placeholder": _("Search")}), "", {"required": True, "disabled": False}),
        (forms.TextInput(attrs={"data-x": mark_safe("<b>")}), "x", {}),
        (forms.DateInput(attrs={"type": "date"}), datetime.date(2026, 3, 29), {"id": "id_since"}),
        (forms.DateInput(format="%d/%m/%Y"), datetime.date(2026, 10, 25), {}),
        (forms.EmailInput(), "a&b@example.be", {"aria-invalid": "true", "aria-describedby": "x_error"}),
        (forms.NumberInput(attrs={"min": 1900, "max": 2026}), 1984, {}),
        (forms.TelInput(), "+32 470 12 34 56", {}),
        (forms.DateTimeInput(attrs={"type": "datetime-local"}), datetime.datetime(2026, 11, 25, 3, 5), {}),
        (forms.TimeInput(), datetime.time(3, 5), {}),
    ],
)
def test_a_fast_input_renders_what_django_renders(widget, value, attrs):
    fast = fast_input(widget)

    assert type(fast) is not type(widget) and isinstance(fast, type(widget))
    assert fast.render("field", value, dict(attrs)) == widget.render("field", value, dict(attrs))


def test_other_widgets_are_left_to_django():
    assert fast_input(forms.Textarea()) is None
    assert fast_input(forms.CheckboxInput()) is None
    assert fast_input(forms.PasswordInput()) is None
    assert fast_input(forms.HiddenInput()) is None


def test_a_fast_select_renders_the_same_html_as_django():
    choices = [("", "All"), (1, ODD), (2, mark_safe("<i>safe</i>")), ("x y", "Évere")]
    slow = forms.Select(attrs={"class": "form-select"}, choices=choices)
    fast = FastSelect(attrs={"class": "form-select"})
    fast.choices = choices

    # The same elements, attributes and text (Django's template adds line breaks between options).
    for value in ("", 1, "1", "x y"):
        assert parse_html(fast.render("commune", value, {"id": "id_commune"})) == parse_html(
            slow.render("commune", value, {"id": "id_commune"})
        )
