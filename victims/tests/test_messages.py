"""The messages victims sends through the outbox, rendered in each recipient's language."""

import pytest
from django.core import mail

from notifications.models import Notification
from notifications.services import sweep
from victims.services import page_on_call
from victims.tests.factories import category, commune

pytestmark = pytest.mark.django_db


def test_the_page_reads_in_the_language_of_each_ac(on_call, make_user):
    people = on_call()
    people["primary"].language = "nl"
    people["primary"].save()
    callout, _created = page_on_call(
        by=make_user("dispatch"),
        fields={"category": category("death-notification"), "commune": commune("saint-josse"), "place": "Rue X 1"},
    )

    sweep()

    message = next(m for m in mail.outbox if m.to == [people["primary"].email])
    assert "Slechtnieuwsmelding" in message.subject and "Sint-Joost-ten-Node" in message.subject
    assert "U wordt opgeroepen voor een tussenkomst." in message.body
    sms = Notification.objects.get(kind="page", channel="sms", recipient=people["primary"])
    assert sms.status == "sent"
    in_app = Notification.objects.get(kind="page", channel="in_app", recipient=people["primary"])
    assert in_app.subject.startswith("Oproep: tussenkomst " + callout.reference)


def test_the_sms_stays_short_and_carries_the_link(on_call, make_user):
    from notifications.delivery import _text, build_context

    people = on_call()
    callout, _created = page_on_call(
        by=make_user("dispatch"),
        fields={
            "category": category("road-accident"),
            "commune": commune("schaerbeek"),
            "place": "Boulevard Lambermont 1000, devant la station-service, côté parc Josaphat",
            "callback_phone": "+3222492211",
        },
    )
    sms = Notification.objects.get(kind="page", channel="sms", recipient=people["primary"])
    from django.utils import translation

    with translation.override("fr"):
        text = _text("notifications/victims/page/sms.txt", build_context(sms)).strip()
    assert len(text) <= 300
    assert text.startswith("URGENT") and "Accident de la route grave ou mortel" in text
    assert callout.reference in text and sms.context["url"] in text and "+32 2 249 22 11" in text
