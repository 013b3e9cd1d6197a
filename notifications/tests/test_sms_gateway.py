"""The HTTP SMS backend against a real local fake gateway (http.server in a thread)."""

import pytest

from notifications import services
from notifications.models import Notification
from notifications.sms import HttpBackend, PermanentError, TransientError, get_backend

pytestmark = pytest.mark.django_db


def test_a_due_sms_is_posted_to_the_gateway_with_the_token(make_user, sms_gateway):
    user = make_user("assistant", phone="+32470123456", language="nl")
    services.notify(
        user,
        kind="test_message",
        template="test_message",
        context={"requested_at": "2026-03-31T06:00:00Z"},
        dedupe_key="gw",
        channels=["sms"],
    )

    assert services.sweep() == {"sent": 1}

    request = sms_gateway.received[0]
    row = Notification.objects.get()
    assert request["json"]["to"] == "+32470123456"
    assert request["json"]["text"] == "Concertation: testbericht gevraagd op di 31 maart, 08:00. Sms werkt."
    assert request["headers"]["Authorization"] == "Bearer secret-token"
    assert request["headers"]["Idempotency-Key"] == f"notification-{row.pk}"
    assert row.subject == "Testbericht"  # what the admin list may show: never the SMS text


def test_a_server_error_is_transient_and_a_client_error_permanent(sms_gateway):
    sms_gateway.answer((503, 0), (429, 0), (400, 0))
    backend = get_backend()

    with pytest.raises(TransientError, match="HTTP 503"):
        backend.send("+32470123456", "x", reference="r1")
    with pytest.raises(TransientError, match="HTTP 429"):
        backend.send("+32470123456", "x", reference="r2")
    with pytest.raises(PermanentError, match="HTTP 400"):
        backend.send("+32470123456", "x", reference="r3")


def test_a_gateway_that_does_not_answer_in_time_is_transient(sms_gateway, settings):
    sms_gateway.answer((200, 1.0))

    with pytest.raises(TransientError, match="did not answer"):
        HttpBackend(timeout=0.2).send("+32470123456", "x", reference="slow")


def test_an_unreachable_gateway_is_transient(settings):
    backend = HttpBackend(url="http://127.0.0.1:9/send", token="", timeout=1)

    with pytest.raises(TransientError, match="unreachable"):
        backend.send("+32470123456", "x", reference="down")


def test_a_refused_number_fails_the_message_without_retry(make_user, sms_gateway):
    sms_gateway.answer((422, 0))
    user = make_user("assistant", phone="+32470123456")
    services.notify(user, kind="test_message", template="test_message", context={}, dedupe_key="x", channels=["sms"])

    assert services.sweep() == {"failed": 1}
    assert Notification.objects.get().last_error.startswith("SMS gateway answered HTTP 422")


def test_the_console_backend_logs_without_the_full_number(make_user, caplog, settings):
    settings.SMS_BACKEND = "console"
    user = make_user("assistant", phone="+32470123456")
    services.notify(user, kind="test_message", template="test_message", context={}, dedupe_key="c", channels=["sms"])

    with caplog.at_level("INFO", logger="notifications.sms"):
        assert services.sweep() == {"sent": 1}

    assert "…456" in caplog.text
    assert "+32470123456" not in caplog.text
