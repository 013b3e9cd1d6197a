"""Referrals: consent (or an admin's documented legal basis), the sheet in the service's language,
the signed link the service acknowledges through, and the reminder when it does not."""

from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import AccessEvent
from core.history import history_for
from notifications.models import Notification
from victims import services
from victims.models import Referral
from victims.tests.factories import InvolvementFactory, ReferralFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def refer_url(involvement):
    return reverse(
        "victims:referral_create",
        kwargs={"public_id": involvement.callout.public_id, "person_id": involvement.person.public_id},
    )


def ack_path(referral):
    return reverse("victims:referral_ack", kwargs={"token": services.acknowledgement_token(referral)})


def test_a_referral_without_consent_is_refused_and_nothing_is_saved(client_as):
    involvement = InvolvementFactory()
    service = ServiceFactory()

    response = client_as("assistant").post(refer_url(involvement), {"service": service.pk, "message": "x"})

    assert response.status_code == 422
    assert Referral.objects.count() == 0
    assert "consent_now" in response.context["form"].errors


def test_consent_given_now_is_recorded_on_the_person_with_date_and_author(client_as):
    involvement = InvolvementFactory()
    service = ServiceFactory()
    ac = client_as("assistant")

    response = ac.post(refer_url(involvement), {"service": service.pk, "consent_now": "on", "message": "Le soir"})

    referral = Referral.objects.get()
    assert response["Location"] == reverse("victims:referral_detail", kwargs={"public_id": referral.public_id})
    person = involvement.person
    person.refresh_from_db()
    assert person.consent_referral and person.consent_referral_by == ac.user
    assert referral.consent_at == person.consent_referral_at
    assert referral.status == Referral.Status.PROPOSED
    assert AccessEvent.objects.filter(action="create", object_type="victims.referral").exists()


def test_an_assistant_cannot_refer_on_a_legal_basis(client_as):
    involvement = InvolvementFactory()
    response = client_as("assistant").post(
        refer_url(involvement), {"service": ServiceFactory().pk, "legal_basis": "art. 458bis", "motif": "danger"}
    )
    assert response.status_code == 422
    assert Referral.objects.count() == 0


def test_an_admin_documents_a_legal_basis_with_a_journaled_reason(client_as):
    involvement = InvolvementFactory()
    admin = client_as("admin", "assistant")

    without_reason = admin.post(
        refer_url(involvement), {"service": ServiceFactory().pk, "legal_basis": "Art. 458bis Code pénal"}
    )
    assert without_reason.status_code == 422 and "motif" in without_reason.context["form"].errors

    admin.post(
        refer_url(involvement),
        {"service": ServiceFactory().pk, "legal_basis": "Art. 458bis Code pénal", "motif": "mineur en danger"},
    )

    referral = Referral.objects.get()
    assert referral.consent_at is None and referral.legal_basis_by == admin.user
    event = AccessEvent.objects.get(action="create", object_type="victims.referral")
    assert event.motif == "mineur en danger"


def test_the_database_refuses_a_referral_with_neither_consent_nor_legal_basis():
    with pytest.raises(IntegrityError), transaction.atomic():
        ReferralFactory(consent_at=None)


def test_suggestions_put_the_bav_of_the_commune_and_caw_for_dutch_speakers_first():
    from directory.models import PartnerServiceKind

    involvement = InvolvementFactory(person__language="nl", person__commune=None)
    bav_here = ServiceFactory(name_fr="BAV Schaerbeek", commune=involvement.callout.commune)
    ServiceFactory(name_fr="BAV Ailleurs")
    caw = ServiceFactory(name_fr="CAW", kind=PartnerServiceKind.objects.get(code="caw"), commune=None, language="nl")

    suggested = [service for service, _reason in services.suggested_services(involvement.person, involvement.callout)]

    assert suggested[:2] == [bav_here, caw]
    assert all(service.name_fr != "BAV Ailleurs" for service in suggested)


def test_cpvs_is_suggested_first_after_recent_sexual_violence():
    from directory.models import PartnerServiceKind
    from victims.tests.factories import category

    involvement = InvolvementFactory(callout__category=category("sexual-violence"))
    cpvs = ServiceFactory(name_fr="CPVS", kind=PartnerServiceKind.objects.get(code="cpvs"), commune=None)
    ServiceFactory(commune=involvement.callout.commune)

    assert services.suggested_services(involvement.person, involvement.callout)[0][0] == cpvs


def test_sending_by_email_goes_through_the_outbox_in_the_services_language(client_as, mailoutbox):
    from notifications.services import sweep

    referral = ReferralFactory(service__language="nl", service__name_nl="Slachtofferhulp Evere")
    ac = client_as("assistant")
    referral.created_by = ac.user
    referral.save()

    ac.post(reverse("victims:referral_send", kwargs={"public_id": referral.public_id}), {"method": "email"})
    sweep()

    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT and referral.sent_at
    message = mailoutbox[-1]
    assert message.to == [referral.service.email]
    assert "Slachtofferhulp Evere" in message.body
    assert "doorverwijzing" in message.body.lower() or "verwijzen" in message.body.lower()
    # The e-mail holds a link, never the person's data.
    assert referral.person.last_name not in message.body
    token = message.body.split("/victims/r/")[1].split("/")[0]
    assert services.referral_for_token(token) == referral
    event = AccessEvent.objects.get(action="export", object_type="victims.referral")
    assert referral.service.email in event.text


def test_the_service_acknowledges_through_its_link_without_an_account(client):
    referral = ReferralFactory()
    services.send_referral(referral, method="email", by=referral.callout.assistant)

    page = client.get(ack_path(referral))
    assert page.status_code == 200
    assert referral.person.last_name in page.content.decode()  # the sheet: the minimum it needs
    answer = client.post(ack_path(referral), {"status": "taken", "note": "Rendez-vous fixé lundi"})

    assert answer.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.TAKEN_IN_CHARGE
    assert referral.acknowledged_at and referral.service_note == "Rendez-vous fixé lundi"
    labels = set(AccessEvent.objects.filter(object_type="victims.referral").values_list("actor_label", flat=True))
    assert f"service: {referral.service.name_fr}" in labels
    assert not Notification.objects.filter(kind="referral_reminder", status="pending").exists()
    answered = [
        entry
        for entry in history_for(referral)
        if any(c.field == "status" or "statut" in c.field.lower() for c in entry.changes)
    ]
    assert answered and answered[0].who == f"service: {referral.service.name_fr}"  # the history names the service too


def test_the_link_expires(client, settings):
    settings.REFERRAL_LINK_DAYS = 30
    referral = ReferralFactory()
    services.send_referral(referral, method="email", by=referral.callout.assistant)
    path = ack_path(referral)

    with time_machine.travel(timezone.now() + timedelta(days=30, minutes=1)):
        response = client.get(path)

    assert response.status_code == 410
    assert "expiré" in response.content.decode()
    assert "verlopen" in response.content.decode()


def test_a_tampered_link_opens_nothing(client):
    referral = ReferralFactory()
    services.send_referral(referral, method="email", by=referral.callout.assistant)
    token = services.acknowledgement_token(referral)
    other = ReferralFactory()
    forged = token.replace(str(referral.public_id), str(other.public_id))

    for bad in (forged, token[:-2] + ("aa" if not token.endswith("aa") else "bb"), "nonsense"):
        response = client.get(reverse("victims:referral_ack", kwargs={"token": bad}))
        assert response.status_code == 404
        assert other.person.last_name not in response.content.decode()
        assert referral.person.last_name not in response.content.decode()


def test_sending_again_replaces_the_old_link():
    referral = ReferralFactory()
    services.send_referral(referral, method="email", by=referral.callout.assistant)
    old = services.acknowledgement_token(referral)
    Referral.objects.filter(pk=referral.pk).update(status="proposed")
    referral.refresh_from_db()
    services.send_referral(referral, method="email", by=referral.callout.assistant)

    problem = services.referral_for_token(old)
    assert isinstance(problem, services.LinkProblem) and problem.reason == "replaced"
    assert services.referral_for_token(services.acknowledgement_token(referral)) == referral


def test_a_signature_for_another_purpose_is_refused():
    referral = ReferralFactory()
    value = signing.TimestampSigner(salt="something-else").sign(f"{referral.public_id}.{referral.link_nonce}")
    assert services.referral_for_token(value).reason == "invalid"


def test_the_ac_is_reminded_when_the_service_has_not_answered_after_48_hours(settings):
    settings.REFERRAL_ACK_HOURS = 48
    referral = ReferralFactory()
    referral.created_by = referral.callout.assistant
    referral.save()
    sent_at = timezone.now()
    services.send_referral(referral, method="email", by=referral.created_by)

    reminder = Notification.objects.get(kind="referral_reminder", channel="email")
    assert reminder.recipient == referral.created_by
    assert abs(reminder.due_at - (sent_at + timedelta(hours=48))) < timedelta(seconds=5)

    services.record_answer(referral, Referral.Status.RECEIVED)
    reminder.refresh_from_db()
    assert reminder.status == "cancelled"


def test_the_referral_list_shows_what_waits(client_as):
    waiting = ReferralFactory()
    services.send_referral(waiting, method="handed", by=waiting.callout.assistant)
    done = ReferralFactory(status=Referral.Status.TAKEN_IN_CHARGE, sent_at=timezone.now())

    html = client_as("assistant").get(reverse("victims:referral_list")).content.decode()

    assert waiting.journal_label() in html and done.journal_label() not in html


def test_the_sheet_is_printable_and_a_pdf_in_the_services_language(client_as):
    referral = ReferralFactory(service__language="nl")
    ac = client_as("assistant")

    sheet = ac.get(reverse("victims:referral_sheet", kwargs={"public_id": referral.public_id}))
    pdf = ac.get(reverse("victims:referral_pdf", kwargs={"public_id": referral.public_id}))

    html = sheet.content.decode()
    assert 'lang="nl"' in html and referral.person.last_name in html
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert AccessEvent.objects.filter(action="export", code="referral.sheet_pdf").exists()


def test_the_service_can_download_the_pdf_through_its_link(client):
    referral = ReferralFactory()
    services.send_referral(referral, method="email", by=referral.callout.assistant)
    response = client.get(
        reverse("victims:referral_ack_pdf", kwargs={"token": services.acknowledgement_token(referral)})
    )
    assert response.content.startswith(b"%PDF")


# --- once closed, the link shows nothing more; contact details only with consent ----------------------


PERSONAL = ["Zoé", "Lambrecht-Privé", "+32475123987", "475 12 39 87", "zoe.lambrecht@example.org", "Rue Intime 5"]


def sent_referral(**person):
    from victims.tests.factories import PersonFactory

    defaults = {
        "first_name": "Zoé",
        "last_name": "Lambrecht-Privé",
        "phone": "+32475123987",
        "email": "zoe.lambrecht@example.org",
        "address": "Rue Intime 5",
        "consent_contact": True,
        "consent_contact_at": timezone.now(),
    }
    referral = ReferralFactory(person=PersonFactory(**{**defaults, **person}), message="MESSAGE-POUR-LE-SERVICE")
    referral.created_by = referral.callout.assistant
    referral.save()
    services.send_referral(referral, method="email", by=referral.callout.assistant)
    return referral


def test_a_closed_referrals_link_answers_410_with_a_notice_and_no_personal_data(client):
    referral = sent_referral()
    path = ack_path(referral)
    pdf_path = reverse("victims:referral_ack_pdf", kwargs={"token": services.acknowledgement_token(referral)})
    assert client.get(path).status_code == 200
    client.post(path, {"status": "taken", "note": "Suivi par nos soins"})
    assert client.get(path).status_code == 200  # answered: the service may still change its answer

    services.record_answer(referral, Referral.Status.CLOSED)  # the AC closes the referral

    for response in (client.get(path), client.post(path, {"status": "declined"}), client.get(pdf_path)):
        assert response.status_code == 410
        html = response.content.decode()
        assert not response.content.startswith(b"%PDF")
        assert "clôturée" in html
        leaked = [value for value in [*PERSONAL, "MESSAGE-POUR-LE-SERVICE", "Suivi par nos soins"] if value in html]
        assert not leaked
    referral.refresh_from_db()
    assert referral.status == Referral.Status.CLOSED


def sheets(client_as, referral) -> dict[str, str]:
    from victims import sheet

    ac = client_as("assistant")
    return {
        "printable sheet": ac.get(
            reverse("victims:referral_sheet", kwargs={"public_id": referral.public_id})
        ).content.decode(),
        "service's page": ac.get(ack_path(referral)).content.decode(),
        "PDF's HTML": sheet.render_html(referral, for_pdf=True),
    }


def test_without_consent_to_be_contacted_the_sheet_gives_no_contact_details_but_the_way_through_the_ac(client_as):
    referral = sent_referral(consent_contact=False, consent_contact_at=None)
    ac = referral.callout.assistant
    ac.phone = "+32470000777"
    ac.save()

    for where, html in sheets(client_as, referral).items():
        assert "Lambrecht-Privé" in html, where  # who is referred: the service needs the name
        leaked = [
            value
            for value in ("+32475123987", "475 12 39 87", "zoe.lambrecht@example.org", "Rue Intime 5")
            if value in html
        ]
        assert not leaked, f"{where} shows {leaked}"
        assert "par l'intermédiaire de l'AC" in html, where
        assert "470 00 07 77" in html, where  # the AC's number, to reach the person through them


def test_with_consent_to_be_contacted_the_sheet_gives_the_contact_details(client_as):
    referral = sent_referral()
    for where, html in sheets(client_as, referral).items():
        assert "475 12 39 87" in html and "zoe.lambrecht@example.org" in html and "Rue Intime 5" in html, where
        assert "par l'intermédiaire de l'AC" not in html, where


@pytest.mark.parametrize(
    "language, expected",
    [("fr", "Ce lien est incomplet"), ("nl", "Deze link is onvolledig"), ("en", "This link is incomplete")],
)
def test_an_invalid_links_page_is_translated(client, settings, language, expected):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("victims:referral_ack", kwargs={"token": "nonsense"})).content.decode()
    assert expected in html
    # Both official languages stay on the page whatever the browser's: the service may be either.
    assert "Ce lien est incomplet" in html and "Deze link is onvolledig" in html


@pytest.mark.parametrize("answer", ["received", "taken", "declined", "unreachable"])
def test_the_ac_is_told_when_the_service_answers_through_its_link(client, mailoutbox, answer):
    from notifications.services import sweep

    referral = sent_referral()
    client.post(ack_path(referral), {"status": answer, "note": "Vu"})

    told = Notification.objects.filter(kind="referral_answered", recipient=referral.created_by)
    assert set(told.values_list("channel", flat=True)) == {"email", "in_app"}
    sweep()
    message = next(m for m in mailoutbox if m.to == [referral.created_by.email])
    label = str(Referral.Status(answer).label)
    assert referral.journal_label() in message.subject and referral.service.name_fr in message.body
    with translation.override("fr"):
        assert str(Referral.Status(answer).label) in message.body, label
    assert "Lambrecht" not in message.body and "Lambrecht" not in message.subject


def test_the_ac_chooses_how_to_hear_of_the_services_answers(client):
    from notifications.models import NotificationPreference

    referral = sent_referral()
    NotificationPreference.objects.create(user=referral.created_by, channels={"referral_answered": ["in_app"]})
    client.post(ack_path(referral), {"status": "declined"})
    told = Notification.objects.filter(kind="referral_answered", recipient=referral.created_by)
    assert list(told.values_list("channel", flat=True)) == ["in_app"]


def test_the_ac_is_not_told_of_an_answer_they_recorded_themselves(client_as):
    referral = sent_referral()
    client_as(user=referral.created_by).post(
        reverse("victims:referral_answer", kwargs={"public_id": referral.public_id}),
        {"answer-status": "taken", "answer-note": "Téléphoné"},
    )
    referral.refresh_from_db()
    assert referral.status == "taken"
    assert not Notification.objects.filter(kind="referral_answered").exists()
