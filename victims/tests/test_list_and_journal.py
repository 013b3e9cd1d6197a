"""The callout list (filters, accent-insensitive full text, pagination with a constant number of
queries), the callout page's query budget, and one journal entry per view, search and export."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessEvent
from directory.models import Officer, PoliceUnit
from victims.models import Callout, CalloutPage, CoachedOfficer, IncidentCategory
from victims.tests.factories import (
    AcceptedCalloutFactory,
    ActionFactory,
    FollowUpFactory,
    InvolvementFactory,
    ReferralFactory,
    category,
    commune,
)

pytestmark = pytest.mark.django_db


def listed(response):
    """The references of the listed callouts (the view passes each row as a dict of values)."""
    return [row["reference"] for row in response.context["page"]]


def test_full_text_search_ignores_accents_and_reads_notes_of_the_help_given(client_as):
    by_summary = AcceptedCalloutFactory(summary="Père retrouvé sans vie, enfants présents")
    by_note = ActionFactory(note="Accompagnement à l'hôpital Saint-Luc").callout
    AcceptedCalloutFactory(summary="Cambriolage, rien à signaler")
    ac = client_as("assistant")

    assert listed(ac.get(reverse("victims:callout_list"), {"q": "pere retrouve"})) == [by_summary.reference]
    assert listed(ac.get(reverse("victims:callout_list"), {"q": "HOPITAL"})) == [by_note.reference]
    assert listed(ac.get(reverse("victims:callout_list"), {"q": "enfants -cambriolage"})) == [by_summary.reference]


def test_the_count_and_pages_are_right_with_or_without_a_full_first_page(client_as):
    ac = client_as("assistant")
    url = reverse("victims:callout_list")
    for n in range(27):
        AcceptedCalloutFactory(summary=f"Famille {'prévenue' if n < 3 else 'absente'}")

    few = ac.get(url, {"q": "prevenue"})
    assert len(listed(few)) == 3 and few.context["page"].paginator.count == 3
    assert "3 interventions" in few.content.decode() and 'aria-label="Pages"' not in few.content.decode()

    first, second = ac.get(url, {"q": "famille"}), ac.get(url, {"q": "famille", "page": "2"})
    assert len(listed(first)) == 25 and first.context["page"].paginator.count == 27
    assert listed(second) == [row["reference"] for row in ac.get(url, {"q": "famille", "page": "9"}).context["page"]]
    assert len(set(listed(first)) | set(listed(second))) == 27
    assert "Page 1 sur 2" in first.content.decode()


def test_past_the_cap_the_list_says_more_than_and_still_pages(client_as, monkeypatch):
    monkeypatch.setattr("core.pagination.COUNT_CAP", 30)
    ac = client_as("assistant")
    url = reverse("victims:callout_list")
    for _ in range(56):
        AcceptedCalloutFactory()

    first = ac.get(url)
    assert first.context["page"].paginator.capped and len(listed(first)) == 25
    html = first.content.decode()
    assert "Plus de 30 interventions" in html and "Page 1" in html and "Page 1 sur" not in html
    assert "page=2" in html and "Précédent" not in html

    third = ac.get(url, {"page": "3"})
    assert len(listed(third)) == 6 and not third.context["page"].has_next()
    seen = listed(first) + listed(ac.get(url, {"page": "2"})) + listed(third)
    assert len(set(seen)) == 56

    ac.user.language = "nl"
    ac.user.save()
    assert "Meer dan 30 tussenkomsten" in ac.get(url).content.decode()

    # Under the cap again (a filter), the exact number and the number of pages come back.
    for _ in range(3):
        AcceptedCalloutFactory(commune=commune("evere"))
    narrow = ac.get(url, {"commune": commune("evere").pk})
    assert narrow.context["page"].paginator.count == 3 and narrow.context["page"].paginator.num_pages == 1


def test_the_rows_show_and_escape_what_the_database_holds(client_as, make_user):
    odd = IncidentCategory.objects.create(code="odd", name_fr="Vol & <agression>", name_nl="Diefstal & <agressie>")
    assistant = make_user("assistant", full_name="Zoë <Peeters>")
    callout = AcceptedCalloutFactory(category=odd, assistant=assistant, commune=commune("evere"))
    InvolvementFactory(callout=callout)
    InvolvementFactory(callout=callout)

    html = client_as("assistant").get(reverse("victims:callout_list")).content.decode()

    link = reverse("victims:callout_detail", kwargs={"public_id": callout.public_id})
    assert f'<a href="{link}">{callout.reference}</a>' in html
    assert ">Vol &amp; &lt;agression&gt;</td>" in html and ">Zoë &lt;Peeters&gt;</td>" in html
    assert '<td class="text-md-end" data-label="Personnes">2</td>' in html and ">Evere</td>" in html
    received = timezone.localtime(callout.received_at)
    assert f'<time datetime="{received.isoformat()}">{received:%d/%m/%Y %H:%M}</time>' in html
    assert '<span class="badge status-badge status-accepted">Acceptée</span>' in html


def test_follow_up_notes_are_searched_too(client_as):
    callout = FollowUpFactory(note="Rappeler la sœur jeudi").callout
    assert listed(client_as("assistant").get(reverse("victims:callout_list"), {"q": "soeur"})) == [callout.reference]


def test_filters_by_period_category_commune_status_assistant_and_service(client_as):
    now = timezone.now()
    old = AcceptedCalloutFactory(received_at=now - timedelta(days=40), category=category("fire"))
    recent = AcceptedCalloutFactory(received_at=now - timedelta(days=2), commune=commune("evere"))
    referral = ReferralFactory(callout=recent)
    ac = client_as("assistant")
    url = reverse("victims:callout_list")
    since = (timezone.localdate() - timedelta(days=7)).isoformat()

    assert listed(ac.get(url, {"since": since})) == [recent.reference]
    assert listed(ac.get(url, {"category": category("fire").pk})) == [old.reference]
    assert listed(ac.get(url, {"commune": commune("evere").pk})) == [recent.reference]
    assert listed(ac.get(url, {"assistant": old.assistant.pk})) == [old.reference]
    assert listed(ac.get(url, {"service": referral.service.pk})) == [recent.reference]
    assert listed(ac.get(url, {"status": "closed"})) == []


def test_the_list_keeps_a_constant_number_of_queries(client_as, django_assert_max_num_queries):
    ac = client_as("assistant")
    url = reverse("victims:callout_list")
    for _ in range(3):
        InvolvementFactory()
    ac.get(url)
    # Session, user, device, roles; the filter bar's four lists (one query), the rows with their
    # persons, the count (capped), the journal entry; the bell: at most 11, whatever the number of
    # callouts, persons or filters.
    with django_assert_max_num_queries(11):
        ac.get(url)
    for _ in range(30):
        InvolvementFactory()
    with django_assert_max_num_queries(11):
        response = ac.get(url)
    assert len(listed(response)) == 25 and response.context["page"].paginator.num_pages == 2
    with django_assert_max_num_queries(11):
        ac.get(url, {"page": 2})
    evere = commune("evere").pk
    # Past the last page (an old link) the last page is read again: one more query.
    with django_assert_max_num_queries(12):
        response = ac.get(url, {"q": "famille", "commune": evere, "page": 2})
    assert response.context["page"].number == 1


def test_the_callout_page_keeps_a_constant_number_of_queries(client_as, make_user, django_assert_max_num_queries):
    unit = PoliceUnit.objects.create(code="INT", name_fr="Intervention", name_nl="Interventie")
    officer = Officer.objects.create(first_name="Karim", last_name="El Amrani", unit=unit)
    dispatcher = make_user("dispatch", full_name="Dispatch Nord")
    callout = AcceptedCalloutFactory(requested_by=dispatcher, requesting_officer=officer, requesting_unit=unit)
    CalloutPage.objects.create(callout=callout, step=CalloutPage.Step.PRIMARY, recipient=callout.assistant)
    ac = client_as(user=callout.assistant)
    url = reverse("victims:callout_detail", kwargs={"public_id": callout.public_id})
    involvement = InvolvementFactory(callout=callout)
    ReferralFactory(callout=callout, person=involvement.person)
    CoachedOfficer.objects.create(callout=callout, officer=officer, explained="Le rôle du BAV")
    # A change made through a request, so the history shows a user (one more query, once).
    ac.post(
        reverse("victims:followup_add", kwargs={"public_id": callout.public_id}),
        {
            "followup-due_on": timezone.localdate().isoformat(),
            "followup-assignee": callout.assistant.pk,
        },
    )
    ac.get(url)
    # The callout with who paged; its requesting officer and unit (read only when set: 2); paging,
    # persons, help, referrals, officers coached, follow-ups; the journal entry; the rest is the
    # frame of every page (session, user, device, roles, savepoints, the bell).
    with django_assert_max_num_queries(17) as few:
        page = ac.get(url).content.decode()
    assert "Dispatch Nord" in page and "Karim El Amrani" in page and ">INT<" in page
    for _ in range(5):
        involvement = InvolvementFactory(callout=callout)
        ReferralFactory(callout=callout, person=involvement.person)
        ActionFactory(callout=callout, person=involvement.person)
        FollowUpFactory(callout=callout)
        CoachedOfficer.objects.create(callout=callout, officer_name="Inspectrice Dupont")
    with django_assert_max_num_queries(len(few.captured_queries)):
        ac.get(url)


def test_each_view_search_and_export_writes_one_journal_entry(client_as):
    callout = InvolvementFactory().callout
    person = callout.involvements.get().person
    referral = ReferralFactory(callout=callout, person=person)
    ac = client_as("assistant")
    pages = [
        ("view", reverse("victims:callout_detail", kwargs={"public_id": callout.public_id}), str(callout.public_id)),
        ("view", reverse("victims:person_detail", kwargs={"public_id": person.public_id}), str(person.public_id)),
        ("view", reverse("victims:referral_detail", kwargs={"public_id": referral.public_id}), str(referral.public_id)),
        ("list", reverse("victims:callout_list"), ""),
        ("search", reverse("victims:callout_list") + "?q=test", ""),
        ("export", reverse("victims:callout_export") + "?format=csv", ""),
        ("export", reverse("victims:referral_pdf", kwargs={"public_id": referral.public_id}), str(referral.public_id)),
    ]
    for action, url, object_id in pages:
        before = AccessEvent.objects.count()
        response = ac.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        entries = AccessEvent.objects.order_by("-id")[: AccessEvent.objects.count() - before]
        assert [entry.action for entry in entries] == [action], url
        assert entries[0].actor == ac.user
        if object_id:
            assert entries[0].object_id == object_id
        assert person.last_name not in entries[0].text


def test_callouts_are_newest_first():
    now = timezone.now()
    older = AcceptedCalloutFactory(received_at=now - timedelta(days=1))
    newer = AcceptedCalloutFactory(received_at=now)
    assert list(Callout.objects.all()) == [newer, older]


def test_the_change_history_loads_on_demand_and_is_journaled(client_as):
    callout = AcceptedCalloutFactory()
    ac = client_as(user=callout.assistant)
    ac.post(
        reverse("victims:callout_edit", kwargs={"public_id": callout.public_id}),
        {
            "summary": "Résumé",
            "category": callout.category_id,
            "commune": callout.commune_id,
            "received_at": timezone.localtime(callout.received_at).strftime("%Y-%m-%dT%H:%M"),
            "version": 1,
        },
    )
    url = reverse("victims:callout_history", kwargs={"public_id": callout.public_id})

    fragment = ac.get(url, HTTP_HX_REQUEST="true").content.decode()
    page = ac.get(url).content.decode()

    assert "<html" not in fragment and "Résumé" in fragment and callout.assistant.full_name in fragment
    assert "<html" in page and "Résumé" in page
    assert AccessEvent.objects.filter(code="callout.history").count() == 2
    assert client_as("chef").get(url).status_code == 403


def test_the_history_speaks_in_labels_not_codes():
    from victims import services
    from victims.timeline import history

    referral = ReferralFactory()
    services.send_referral(referral, method="handed", by=referral.callout.assistant)
    entries = history(referral.person.referrals.get().callout)
    changes = [(str(change.old), str(change.new)) for entry in entries for change in entry.changes]
    assert ("Proposée", "Envoyée") in changes or ("Proposed", "Sent") in changes


def test_the_callout_page_reads_the_callout_and_its_lists_in_one_query(client_as, django_assert_max_num_queries):
    from victims.tests.factories import ActionFactory, FollowUpFactory, ReferralFactory

    callout = AcceptedCalloutFactory()
    url = reverse("victims:callout_detail", kwargs={"public_id": callout.public_id})
    ac = client_as("assistant")
    ac.get(url)
    # Session, user, device, roles; the callout with its persons, help, referrals, officers coached,
    # follow-ups and paging (one prepared statement); the journal entry; the bell; and, in a test,
    # the savepoint and its release that stand for the request's transaction.
    with django_assert_max_num_queries(9) as few:
        ac.get(url)
    for _ in range(5):
        involvement = InvolvementFactory(callout=callout)
        ActionFactory(callout=callout, person=involvement.person)
        ReferralFactory(callout=callout, person=involvement.person)
        FollowUpFactory(callout=callout)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = ac.get(url)
    html = response.content.decode()
    assert html.count("person-item") == 5 and html.count("referral-badge") == 5
    assert html.count(involvement.person.last_name) >= 2, "the person, and their name on their referral"


def test_the_filter_bar_shows_a_category_added_since_the_last_view(client_as):
    ac = client_as("assistant")
    url = reverse("victims:callout_list")
    ac.get(url)  # the filter's form class is built once per process, its lists on every view
    added = IncidentCategory.objects.create(code="noyade", name_fr="Noyade", name_nl="Verdrinking", sort_order=99)

    html = ac.get(url).content.decode()

    assert f'<option value="{added.pk}">Noyade</option>' in html
    assert listed(ac.get(url, {"category": added.pk})) == []
