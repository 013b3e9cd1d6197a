"""Messages are rendered at send time in the recipient's language; |when shows Brussels time."""

from datetime import UTC, datetime

import pytest
from django.core import mail
from django.template import Context, Template
from django.utils import translation

from notifications import services
from notifications.delivery import SMS_MAX_LENGTH
from notifications.models import Notification

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 31, 6, 0, tzinfo=UTC)  # 08:00 in Brussels (summer time)


def _send_test(user, channels=("email",)):
    services.notify(
        user,
        kind="test_message",
        template="test_message",
        context={"requested_at": AT, "url": "http://testserver/notifications/"},
        dedupe_key=f"render:{user.pk}",
        channels=list(channels),
    )
    services.sweep()


def test_each_recipient_gets_the_email_in_their_own_language(make_user):
    _send_test(make_user("assistant", full_name="Anne Dubois", language="fr"))
    _send_test(make_user("assistant", full_name="Bart Peeters", language="nl"))

    french, dutch = sorted(mail.outbox, key=lambda message: message.to[0])
    assert french.subject == "[Concertation] Message de test"
    assert "Bonjour Anne Dubois," in french.body
    assert "mardi 31 mars 2026 à 08:00" in french.body
    assert dutch.subject == "[Concertation] Testbericht"
    assert "Beste Bart Peeters," in dutch.body
    assert "dinsdag 31 maart 2026 om 08:00" in dutch.body


def test_the_language_is_read_when_the_message_is_sent_not_when_it_was_scheduled(make_user):
    user = make_user("assistant", language="fr")
    services.notify(
        user,
        kind="test_message",
        template="test_message",
        context={"requested_at": AT},
        dedupe_key="k",
        channels=["email"],
    )
    user.language = "nl"
    user.save()

    services.sweep()

    assert mail.outbox[0].subject == "[Concertation] Testbericht"


def test_the_email_has_a_text_and_an_html_part_with_the_link(make_user):
    _send_test(make_user("assistant"))

    message = mail.outbox[0]
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert '<html lang="fr">' in html
    assert 'href="http://testserver/notifications/"' in html
    assert "http://testserver/notifications/" in message.body
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"


def test_text_parts_are_not_html_escaped(make_user):
    _send_test(make_user("assistant", full_name="Jan & Marie D'Hondt"))

    message = mail.outbox[0]
    assert "Jan & Marie D'Hondt" in message.body
    assert "Jan &amp; Marie D&#x27;Hondt" in message.alternatives[0][0]


def test_a_partner_service_gets_its_message_in_its_language():
    services.notify_address(
        email="caw@example.org",
        language="nl",
        kind="test_message",
        template="test_message",
        context={"requested_at": AT},
        dedupe_key="svc",
    )

    services.sweep()

    assert mail.outbox[0].to == ["caw@example.org"]
    assert mail.outbox[0].subject == "[Concertation] Testbericht"


def test_an_sms_never_exceeds_300_characters(make_user, sms_gateway, tmp_path, settings):
    template_dir = tmp_path / "notifications" / "long"
    template_dir.mkdir(parents=True)
    (template_dir / "sms.txt").write_text("{{ text }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    from notifications.delivery import _text_engine

    _text_engine.cache_clear()
    try:
        user = make_user("assistant", phone="+32470123456")
        services.notify(
            user,
            kind="test_message",
            template="long",
            context={"text": "x" * 400},
            dedupe_key="long",
            channels=["sms"],
        )
        services.sweep()
    finally:
        _text_engine.cache_clear()

    text = sms_gateway.received[0]["json"]["text"]
    assert len(text) == SMS_MAX_LENGTH
    assert text.endswith("…")
    assert Notification.objects.get().status == "sent"


def _when(value, style=None, language="fr"):
    source = "{% load notifications %}{{ value|when" + (f':"{style}"' if style else "") + " }}"
    with translation.override(language):
        return Template(source).render(Context({"value": value}))


def test_when_renders_iso_strings_as_brussels_time_in_the_active_language():
    iso = "2026-03-31T06:00:00Z"
    assert _when(iso) == "mardi 31 mars 2026 à 08:00"
    assert _when(iso, language="nl") == "dinsdag 31 maart 2026 om 08:00"
    assert _when(iso, language="en") == "Tuesday 31 March 2026 at 08:00"
    assert _when(iso, "short") == "mar 31 mars, 08:00"
    assert _when(iso, "time") == "08:00"
    assert _when(iso, "date", language="nl") == "dinsdag 31 maart 2026"


def test_when_is_exact_across_both_daylight_saving_changes():
    # Last Sunday of March: 01:30 UTC is 03:30 summer time (02:00–03:00 does not exist).
    assert _when("2026-03-29T00:30:00Z", "time") == "01:30"
    assert _when("2026-03-29T01:30:00Z", "time") == "03:30"
    # Last Sunday of October: 02:30 happens twice, an hour apart.
    assert _when("2026-10-25T00:30:00Z", "time") == "02:30"
    assert _when("2026-10-25T01:30:00Z", "time") == "02:30"
    assert _when("2026-10-25T02:30:00Z", "time") == "03:30"


def test_when_accepts_datetimes_dates_and_tolerates_junk():
    assert _when(AT, "time") == "08:00"
    assert _when("2026-12-25", language="nl") == "vrijdag 25 december 2026"
    assert _when("") == ""
    assert _when(None) == ""
    assert _when("not a date") == "not a date"


def test_the_short_form_reads_like_djangos_localized_date_format_in_every_language():
    from datetime import UTC, datetime, timedelta

    from django.utils import timezone
    from django.utils.formats import date_format

    start = datetime(2026, 1, 1, 5, 7, tzinfo=UTC)
    for language in ("fr", "nl", "en"):
        with translation.override(language):
            for hours in range(0, 24 * 366, 37):  # every weekday and month, both clock changes
                moment = start + timedelta(hours=hours)
                local = timezone.localtime(moment)
                expected = f"{date_format(local, 'D j F')}, {date_format(local, 'H:i')}"
                assert _when(moment, "short", language) == expected
                assert _when(moment, "time", language) == date_format(local, "H:i")
