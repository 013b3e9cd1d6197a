"""{% load phones %} … {{ number|phone }}: +3222492211 → +32 2 249 22 11, readable aloud and tappable."""

from django import template

from accounts.fields import display_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    return display_phone(value)
