"""Form fields shared by every app."""

import phonenumbers
from django import forms
from django.utils.translation import gettext_lazy as _


def normalise_phone(value: str, region: str = "BE") -> str:
    """Return ``value`` in E.164 (+32470123456), reading Belgian numbers as people type them
    (0470 12 34 56, 02/249.22.11, 0032 …). Raises ValueError when it is not a possible number."""
    value = (value or "").strip()
    if not value:
        return ""
    if value.startswith("00"):
        value = "+" + value[2:]
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(str(exc)) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(value: str) -> str:
    """+3222492211 → +32 2 249 22 11 (international format, for reading aloud or tapping)."""
    if not value:
        return ""
    try:
        return phonenumbers.format_number(phonenumbers.parse(value, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return value


class PhoneField(forms.CharField):
    default_error_messages = {
        "invalid": _("Enter a valid phone number, for example 0470 12 34 56 or +32 2 249 22 11."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"type": "tel", "autocomplete": "tel", "inputmode": "tel"})
        return attrs

    def to_python(self, value):
        value = super().to_python(value)
        try:
            return normalise_phone(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
