"""Persons assisted: their page (every callout and referral), correcting them, and the name search
that asks for a reason (journaled)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import journal
from accounts.decorators import access_required
from victims import services, timeline
from victims.forms import FollowUpForm, PersonForm, PersonSearchForm
from victims.models import FollowUp, Involvement, Person, Referral

SEARCH_LIMIT = 50
# What a search result shows: up to 50 rows, so only these columns are read and built.
SEARCH_SHOWS = (
    "public_id",
    "first_name",
    "last_name",
    "birth_year",
    "age_band",
    "commune__name_fr",
    "commune__name_nl",
)


def get_person(public_id, *, lock: bool = False) -> Person:
    rows = Person.objects.select_related("commune")
    if lock:
        rows = rows.select_for_update(of=("self",))
    return get_object_or_404(rows, public_id=public_id)


def person_context(request, person: Person, **extra) -> dict:
    involvements = list(
        Involvement.objects.filter(person=person)
        .select_related("callout__category", "callout__commune", "callout__assistant")
        .order_by("-callout__received_at")
    )
    referrals = list(
        Referral.objects.filter(person=person).select_related("service", "callout").order_by("-created_at")
    )
    followups = list(FollowUp.objects.filter(person=person).select_related("assignee", "done_by"))
    return {
        "person": person,
        "involvements": involvements,
        "referrals": referrals,
        "followups": followups,
        "followup_form": extra.pop("followup_form", None) or FollowUpForm(user=request.user, prefix="followup"),
        "history": timeline.history(person, limit=30),
        **extra,
    }


@access_required
def person_detail(request, public_id):
    person = get_person(public_id)
    journal.record(request, journal.VIEW, person)
    return render(request, "victims/person_detail.html", person_context(request, person))


@access_required
def person_edit(request, public_id):
    person = get_person(public_id, lock=request.method == "POST")
    if person.anonymised_at:
        messages.info(request, _("This person was anonymised under the retention rules: there is nothing to edit."))
        return redirect("victims:person_detail", public_id=person.public_id)
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        person = form.save_with_consents(by=request.user)
        journal.record(
            request,
            journal.UPDATE,
            person,
            "person.changed",
            params={"fields": journal.field_names(person, form.changed_data)},
        )
        messages.success(request, _("Person saved."))
        return redirect("victims:person_detail", public_id=person.public_id)
    if request.method == "GET":
        journal.record(request, journal.VIEW, person, "person.edit_form")
    return render(request, "victims/person_edit.html", {"form": form, "person": person})


@access_required
def person_search(request):
    """Search persons by name. The law asks for the reason of every search by name: it is
    required and written in the access journal with the words searched."""
    form = PersonSearchForm(request.GET or None)
    found = more = None
    if form.is_bound and form.is_valid() and form.cleaned_data["q"].strip():
        text = form.cleaned_data["q"].strip()
        # A search by name should find a handful: beyond SEARCH_LIMIT, ask for more of the name
        # (no total count, no paging through a population).
        rows = list(
            Person.objects.search(text)
            .select_related("commune")
            .only(*SEARCH_SHOWS)
            .order_by("last_name", "first_name", "id")[: SEARCH_LIMIT + 1]
        )
        found, more = rows[:SEARCH_LIMIT], len(rows) > SEARCH_LIMIT
        journal.record(
            request,
            journal.SEARCH,
            code="persons.search",
            params={"text": text},
            motif=form.cleaned_data["motif"].strip(),
            object_type="victims.person",
        )
    return render(request, "victims/person_search.html", {"form": form, "found": found, "more": more})


@access_required
@require_POST
def person_followup_add(request, public_id):
    person = get_person(public_id, lock=True)
    form = FollowUpForm(request.POST, prefix="followup")
    if not form.is_valid():
        messages.error(request, _("Check the highlighted fields."))
        return render(
            request, "victims/person_detail.html", person_context(request, person, followup_form=form), status=422
        )
    follow_up = form.save(commit=False)
    follow_up.person = person
    follow_up.created_by = request.user
    follow_up.save()
    services.schedule_follow_up_reminder(follow_up)
    journal.record(request, journal.UPDATE, person, "person.followup_added")
    messages.success(request, _("Follow-up planned."))
    return redirect("victims:person_detail", public_id=person.public_id)
