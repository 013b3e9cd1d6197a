"""Phone numbers as Belgians type them, stored in E.164, shown readable."""

import pytest
from django import forms
from django.template import Context, Template

from accounts.fields import PhoneField, display_phone, normalise_phone


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0470 12 34 56", "+32470123456"),
        ("0470/12.34.56", "+32470123456"),
        ("02/249.22.11", "+3222492211"),
        ("02 249 22 11", "+3222492211"),
        ("0032 2 249 22 11", "+3222492211"),
        ("0032470123456", "+32470123456"),
        ("+32 (0)2 249 22 11", "+3222492211"),
        ("+32470123456", "+32470123456"),
        ("+33 1 42 68 53 00", "+33142685300"),  # a French number, typed internationally
        ("  ", ""),
    ],
)
def test_belgian_numbers_are_read_as_people_type_them(typed, stored):
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize("junk", ["12", "call me", "0470", "+32 12", "02 249 22 11 99 99", "abc 0470 12 34 56 xyz!"])
def test_junk_is_refused(junk):
    with pytest.raises(ValueError):
        normalise_phone(junk)


def test_the_form_field_gives_a_clear_translated_message():
    class Form(forms.Form):
        phone = PhoneField(required=False)

    from django.utils import translation

    with translation.override("nl"):
        form = Form({"phone": "bel me"})
        assert not form.is_valid()
        assert form.errors["phone"] == [
            "Geef een geldig telefoonnummer in, bijvoorbeeld 0470 12 34 56 of +32 2 249 22 11."
        ]
    assert Form({"phone": "0470 12 34 56"}).is_valid()
    page = str(Form()["phone"])
    assert 'type="tel"' in page and 'autocomplete="tel"' in page


def test_numbers_are_shown_grouped_for_reading_aloud():
    assert display_phone("+3222492211") == "+32 2 249 22 11"
    assert display_phone("+32470123456") == "+32 470 12 34 56"
    assert display_phone("") == ""
    assert display_phone("not a number") == "not a number"
    rendered = Template("{% load phones %}{{ number|phone }}").render(Context({"number": "+32470123456"}))
    assert rendered == "+32 470 12 34 56"


@pytest.mark.parametrize(
    ("user_agent", "shown"),
    [
        (
            "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
            "Samsung Internet sur Android",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari sur iPhone",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
            "Edge sur Windows",
        ),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox sur Linux"),
        ("", "Navigateur inconnu"),
    ],
)
def test_a_browser_is_named_so_that_people_recognise_their_device(user_agent, shown):
    from django.utils import translation

    with translation.override("fr"):
        rendered = Template("{% load devices %}{{ ua|device }}").render(Context({"ua": user_agent}))

    assert rendered == shown
