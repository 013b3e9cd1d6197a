"""Callouts: paging, the lifecycle on a phone, completing and correcting, the list and exports."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F, OuterRef, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from accounts import journal, roles
from accounts.decorators import access_required
from core.onetrip import Fetch, OneTrip
from core.pagination import CappedPaginator
from victims import drafts, exports, services, timeline
from victims.filters import CalloutFilter
from victims.forms import (
    ActionForm,
    CalloutForm,
    CoachingForm,
    ExportForm,
    FollowUpForm,
    FollowUpListForm,
    InvolvementForm,
    OpenCalloutForm,
    PageForm,
    StepForm,
)
from victims.models import (
    AssistanceAction,
    Callout,
    CalloutPage,
    CoachedOfficer,
    FollowUp,
    Involvement,
    Referral,
    SubqueryCount,
    TransitionError,
)

LIST_PAGE_SIZE = 25


def _safe_next(request, default: str) -> str:
    """The ``next`` the form posted when it is a page of this site (never an open redirect)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def may_cancel_page(request, callout: Callout, step: str = "cancel") -> bool:
    """Dispatch may cancel a page it sent by mistake, while nobody has accepted it."""
    return (
        step == "cancel" and callout.status == Callout.Status.REQUESTED and callout.requested_by_id == request.user.pk
    )


def sees_identities(request) -> bool:
    return roles.can(request.user, "see_identities")


def get_callout(request, public_id, *, lock: bool = False) -> Callout:
    """The callout if this user may see it (404 otherwise: dispatch never learns that others exist)."""
    rows = Callout.objects.select_related("category", "commune", "assistant").visible_to(request.user)
    if lock:
        rows = rows.select_for_update(of=("self",))
    return get_object_or_404(rows, public_id=public_id)


# --- paging and opening ---------------------------------------------------------------------------------------


@access_required
def callout_page(request):
    """Page the on-call AC (dispatch, ACs, coordination): the first minute of a callout."""
    form = PageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        callout, created = services.page_on_call(
            by=request.user, fields=form.callout_fields(), idempotency_key=form.cleaned_data["idempotency_key"]
        )
        if created:
            journal.record(request, journal.CREATE, callout, "callout.paged")
            messages.success(request, _("The on-call AC is paged. You can follow the callout here."))
        drafts.saved(request, form.cleaned_data["idempotency_key"])
        return redirect("victims:callout_detail", public_id=callout.public_id)
    recent = (
        Callout.objects.filter(requested_by=request.user)
        .select_related("category", "commune", "assistant")
        .order_by("-received_at")[:5]
    )
    return render(request, "victims/callout_page.html", {"form": form, "recent": recent})


@access_required
def callout_create(request):
    """An AC logs a callout received directly (a call on the duty phone)."""
    form = OpenCalloutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        callout, created = services.open_callout(
            by=request.user, fields=form.callout_fields(), idempotency_key=form.cleaned_data["idempotency_key"]
        )
        if created:
            journal.record(request, journal.CREATE, callout, "callout.opened")
            messages.success(request, _("Callout %(reference)s is open.") % {"reference": callout.reference})
        drafts.saved(request, form.cleaned_data["idempotency_key"])
        return redirect("victims:callout_detail", public_id=callout.public_id)
    return render(request, "victims/callout_create.html", {"form": form})


# --- the callout page ----------------------------------------------------------------------------------------------


def page_lists(request) -> list[str]:
    """The lists of the callout page this user sees: dispatch sees the paging only, a chef de corps
    no follow-ups (they name the persons)."""
    names = ["pages"]
    if roles.roles_of(request.user) & {roles.ASSISTANT, roles.ADMIN, roles.CHEF}:
        names += ["involvements", "actions", "referrals", "coached"]
        if sees_identities(request):
            names.append("followups")
    return names


def detail_context(request, callout: Callout, *, lists=None, **extra) -> dict:
    """Everything the callout page shows, in one query (``lists``, when the page read them with the
    callout) or two.

    Each list reads only the columns and joins it shows; the persons are read once and set on the
    help and referrals that name them."""
    identities = sees_identities(request)
    context = {
        "callout": callout,
        "identities": identities,
        "may_edit": roles.can_open(request.user, "victims:callout_edit"),
        "may_list": roles.can_open(request.user, "victims:callout_list"),
        "may_cancel": may_cancel_page(request, callout),
    }
    if lists is None:
        lists = CALLOUT_PAGE.load(callout.public_id, *page_lists(request))
    context["pages"] = lists["pages"]
    if "involvements" in lists:
        involvements, actions, referrals = lists["involvements"], lists["actions"], lists["referrals"]
        persons = {involvement.person_id: involvement.person for involvement in involvements}
        by_person = {}
        # A person's help and referrals on this callout always name a person of this callout (taking
        # a person off clears their help, and is refused while they have a referral).
        for item in (*actions, *referrals):
            if item.person_id in persons:
                item.person = persons[item.person_id]
        for action in actions:
            by_person.setdefault(action.person_id, []).append(action)
        for involvement in involvements:
            involvement.person_actions = by_person.get(involvement.person_id, [])
            involvement.person_referrals = [r for r in referrals if r.person_id == involvement.person_id]
        context.update(
            involvements=involvements,
            general_actions=by_person.get(None, []),
            actions=actions,
            referrals=referrals,
            coached=lists["coached"],
            followups=lists.get("followups", []),
        )
    # The "add" forms are not rendered here: each loads on demand (htmx) or opens as its own page,
    # so the callout page stays light on a phone with a poor network.
    context.update(extra)
    context["saved_drafts"] = drafts.consume(request)
    return context


# What the callout page shows (templates/victims/callout_detail.html, _persons.html,
# _followup_items.html): the callout and its six lists, read in one round trip (each compiled by the
# ORM and read on its own cost 0.6 to 1.6 ms, for PostgreSQL's 0.02 to 0.2 ms of work).
CALLOUT_PAGE = OneTrip(
    callout=Fetch(
        Callout,
        "public_id",
        (
            *(field.name for field in Callout._meta.concrete_fields if field.name != "search_vector"),
            "category__name_fr",
            "category__name_nl",
            "commune__name_fr",
            "commune__name_nl",
            "assistant__full_name",
            "requested_by__full_name",
        ),
    ),
    pages=Fetch(CalloutPage, "callout__public_id", ("step", "at", "recipient__full_name"), order=("at", "step", "id")),
    involvements=Fetch(
        Involvement,
        "callout__public_id",
        (
            "role",
            "person",
            *(
                f"person__{name}"
                for name in (
                    "public_id",
                    "first_name",
                    "last_name",
                    "birth_year",
                    "age_band",
                    "is_minor",
                    "language",
                    "needs_interpreter",
                    "phone",
                    "email",
                    "consent_contact",
                    "consent_referral",
                )
            ),
        ),
        order=("created_at", "id"),
    ),
    actions=Fetch(AssistanceAction, "callout__public_id", ("person", "kind", "at", "note"), order=("at", "id")),
    referrals=Fetch(
        Referral,
        "callout__public_id",
        ("public_id", "person", "status", "service__name_fr", "service__name_nl"),
        order=("-created_at", "-id"),
    ),
    coached=Fetch(
        CoachedOfficer,
        "callout__public_id",
        (
            "officer_name",
            "explained",
            "officer__first_name",
            "officer__last_name",
            "officer__unit__code",
        ),
        order=("created_at", "id"),
    ),
    followups=Fetch(
        FollowUp, "callout__public_id", ("due_on", "note", "done_at", "assignee__full_name"), order=("due_on", "id")
    ),
)


@access_required
def callout_detail(request, public_id):
    # The callout and its lists in one query (the requesting officer and unit, often empty, are read
    # only when set); the visibility rule is CalloutQuerySet.visible_to's, applied to the one row.
    lists = CALLOUT_PAGE.load(public_id, "callout", *page_lists(request))
    if not lists["callout"] or not lists["callout"][0].is_visible_to(request.user):
        raise Http404
    callout = lists["callout"][0]
    journal.record(request, journal.VIEW, callout)
    return render(request, "victims/callout_detail.html", detail_context(request, callout, lists=lists))


@access_required
def callout_history(request, public_id):
    """The callout's change history, loaded on demand (a fragment for htmx, a page without JS):
    reading it costs as much as the rest of the callout page together."""
    callout = get_callout(request, public_id)
    journal.record(request, journal.VIEW, callout, "callout.history")
    context = {"callout": callout, "history": timeline.history(callout, limit=60)}
    template = "components/history.html" if request.htmx else "victims/callout_history.html"
    return render(request, template, context)


@access_required
@require_POST
def callout_step(request, public_id):
    """Accept / On my way / On scene / Finished / Cancel: each stamps the time now."""
    callout = get_callout(request, public_id, lock=True)
    form = StepForm(request.POST)
    if not form.is_valid():
        raise Http404
    step = form.cleaned_data["step"]
    if not roles.can_open(request.user, "victims:callout_edit") and not may_cancel_page(request, callout, step):
        raise PermissionDenied  # dispatch may only take back a page nobody accepted yet
    try:
        services.take_step(callout, step, by=request.user)
    except TransitionError:
        messages.warning(
            request,
            _("This step no longer applies: the callout is now “%(status)s”.")
            % {"status": callout.get_status_display()},
        )
    else:
        journal.record(request, journal.UPDATE, callout, f"callout.{step}")
    if step == "close" and callout.status == Callout.Status.CLOSED:
        messages.success(request, _("Callout finished. Complete it now while it is fresh."))
        target = reverse("victims:callout_edit", kwargs={"public_id": callout.public_id}) + "#id_summary"
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
    if request.htmx:
        pages = callout.pages.select_related("recipient").order_by("at", "step", "id")
        context = {"callout": callout, "may_edit": True, "oob": True, "pages": pages}
        return render(request, "victims/_lifecycle.html", context)
    return redirect("victims:callout_detail", public_id=callout.public_id)


def _conflict(callout: Callout, submitted_version: int):
    """What a colleague changed since the version this form was opened on (from the history)."""
    from django.apps import apps

    Event = apps.get_model("victims", "CalloutEvent")
    base = Event.objects.filter(pgh_obj_id=callout.pk, version=submitted_version).order_by("-pgh_id").first()
    latest = Event.objects.filter(pgh_obj_id=callout.pk).select_related("pgh_context").order_by("-pgh_id").first()
    changed = []
    if base is not None:
        for field in CalloutForm.Meta.fields:
            attname = Callout._meta.get_field(field).attname
            if getattr(base, attname) != getattr(callout, attname):
                changed.append(Callout._meta.get_field(field).verbose_name)
    who = ""
    if latest is not None and latest.pgh_context_id and latest.pgh_context.metadata.get("user"):
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(pk=latest.pgh_context.metadata["user"]).first()
        who = user.full_name if user else ""
    return {"fields": changed, "who": who, "at": callout.updated_at}


@access_required
def callout_edit(request, public_id):
    """Complete or correct a callout. A colleague's save in between is caught by ``version``:
    the form comes back with your entries, their changes listed, and saving again is a choice."""
    callout = get_callout(request, public_id, lock=request.method == "POST")
    if request.method == "POST":
        current_version = callout.version
        form = CalloutForm(request.POST, instance=callout)
        if form.is_valid():
            submitted = form.cleaned_data["version"]
            if submitted != current_version:
                fresh = get_callout(request, public_id)
                conflict = _conflict(fresh, submitted)
                data = request.POST.copy()
                data["version"] = str(current_version)
                form = CalloutForm(data, instance=fresh)
                form.is_valid()
                return render(
                    request,
                    "victims/callout_edit.html",
                    {"form": form, "callout": fresh, "conflict": conflict},
                    status=409,
                )
            callout = form.save(commit=False)
            callout.version = current_version + 1
            callout.updated_at = timezone.now()
            callout.save()
            journal.record(
                request,
                journal.UPDATE,
                callout,
                "callout.changed",
                params={"fields": journal.field_names(callout, form.changed_for_journal())},
            )
            drafts.saved(request, f"callout-edit:{callout.public_id}")
            messages.success(request, _("Callout saved."))
            return redirect("victims:callout_detail", public_id=callout.public_id)
    else:
        form = CalloutForm(instance=callout)
        journal.record(request, journal.VIEW, callout, "callout.edit_form")
    return render(request, "victims/callout_edit.html", {"form": form, "callout": callout})


@access_required
@require_POST
def callout_debrief_done(request, public_id):
    """The coordination (or the AC) notes that the debrief after a hard callout took place."""
    callout = get_callout(request, public_id, lock=True)
    if not (request.user.has_role(roles.ADMIN) or callout.assistant_id == request.user.pk):
        raise Http404
    if callout.debrief_pending:
        callout.mark_debrief_done()
        journal.record(request, journal.UPDATE, callout, "callout.debrief_held")
        messages.success(request, _("Debrief noted as held."))
    return redirect(_safe_next(request, "accounts:home"))


# --- things added on the callout page --------------------------------------------------------------------------


def _persons_response(request, callout):
    return render(request, "victims/_persons.html", detail_context(request, callout))


@access_required
def person_add(request, public_id):
    """Add a person to the callout (htmx fragment on the callout page; a plain page without JS).

    Before creating, persons already known under a close name and birth year are proposed: the
    AC picks one ("same person") or confirms a new one.
    """
    from victims.models import Person

    callout = get_callout(request, public_id, lock=request.method == "POST")
    # A new person speaks the AC's language unless the AC says otherwise: at night a Dutch-speaking
    # AC mostly assists Dutch speakers (the form's default was French for everyone).
    language = Person.Language.NL if (request.LANGUAGE_CODE or "").startswith("nl") else Person.Language.FR
    form = InvolvementForm(request.POST or None, prefix="person", initial={"language": language})
    suggestions = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        existing = data["existing"]
        person = None
        if existing and existing != "new":
            person = Person.objects.filter(public_id=existing, anonymised_at__isnull=True).first()
            if person is None:
                form.add_error(None, _("This person is no longer available. Choose again."))
        elif existing != "new":
            suggestions = list(
                Person.objects.similar_to(data["first_name"], data["last_name"], data["birth_year"]).exclude(
                    involvements__callout=callout
                )[:5]
            )
            if suggestions:
                journal.record(
                    request,
                    journal.SEARCH,
                    code="persons.duplicate_check",
                    params={"callout": callout.reference},
                    motif=callout.reference,
                    object_type="victims.person",
                )
        if not form.errors and not suggestions:
            if person is None:
                person = form.save_with_consents(by=request.user)
                journal.record(request, journal.CREATE, person, "person.created", params={"callout": callout.reference})
            involvement, created = Involvement.objects.get_or_create(
                callout=callout, person=person, defaults={"role": data["role"]}
            )
            journal.record(
                request,
                journal.UPDATE,
                callout,
                "callout.person_added",
                params={"person": person.journal_label()},
            )
            if request.htmx:
                return _persons_response(request, callout)
            messages.success(request, _("Person added."))
            return redirect(reverse("victims:callout_detail", kwargs={"public_id": callout.public_id}) + "#persons")
    extra = {"person_form": form, "suggestions": suggestions}
    if request.htmx and request.method == "GET":
        return render(request, "victims/_person_form.html", {"callout": callout, **extra})
    if request.htmx:
        # htmx swaps only 2xx answers: the form with its errors or suggestions comes back as 200.
        return render(request, "victims/_persons.html", detail_context(request, callout, **extra))
    status = 422 if form.errors else 200
    return render(request, "victims/person_add.html", {"callout": callout, **extra}, status=status)


@access_required
@require_POST
def involvement_remove(request, public_id, pk):
    """Take a person off a callout added by mistake (the person's record stays)."""
    callout = get_callout(request, public_id, lock=True)
    involvement = get_object_or_404(Involvement, callout=callout, pk=pk)
    if involvement.person.referrals.filter(callout=callout).exists():
        messages.error(request, _("This person has a referral from this callout: it cannot be removed."))
    else:
        label = involvement.person.journal_label()
        AssistanceAction.objects.filter(callout=callout, person=involvement.person).update(person=None)
        involvement.delete()
        journal.record(request, journal.UPDATE, callout, "callout.person_removed", params={"person": label})
        messages.success(request, _("Person removed from this callout."))
    return redirect(reverse("victims:callout_detail", kwargs={"public_id": callout.public_id}) + "#persons")


ADD_FORMS = {
    # URL name: (form class, prefix, title, anchor on the callout page)
    "victims:action_add": (ActionForm, "action", _lazy("Record help given"), "#help"),
    "victims:coaching_add": (CoachingForm, "coach", _lazy("Record an officer coached"), "#coaching"),
    "victims:followup_add": (FollowUpForm, "followup", _lazy("Plan a follow-up"), "#followups"),
}


def _add_form(request, callout, form_class, prefix, data=None):
    if form_class is ActionForm:
        return ActionForm(data, callout=callout, prefix=prefix)
    if form_class is FollowUpForm:
        return FollowUpForm(data, user=request.user, prefix=prefix)
    return form_class(data, prefix=prefix)


def _add_to_callout(request, public_id, save):
    """GET: the form (a fragment for htmx, a page without JS). POST: validate, ``save(form,
    callout)`` and go back to the callout; errors come back on the form's own page."""
    form_class, prefix, title, anchor = ADD_FORMS[request.resolver_match.view_name]
    callout = get_callout(request, public_id, lock=request.method == "POST")
    form = _add_form(request, callout, form_class, prefix, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        message = save(form, callout)
        messages.success(request, message)
        return redirect(reverse("victims:callout_detail", kwargs={"public_id": callout.public_id}) + anchor)
    context = {"callout": callout, "form": form, "title": title, "action": request.path}
    if request.htmx and request.method == "GET":
        return render(request, "victims/_add_form.html", context)
    return render(request, "victims/callout_add.html", context, status=422 if form.errors else 200)


@access_required
def action_add(request, public_id):
    def save(form, callout):
        action = form.save(commit=False)
        action.callout = callout
        action.by = request.user
        action.save()
        journal.record(
            request, journal.UPDATE, callout, "callout.help_given", params={"kind": journal.choice(action, "kind")}
        )
        return _("Help recorded.")

    return _add_to_callout(request, public_id, save)


@access_required
def coaching_add(request, public_id):
    def save(form, callout):
        coached = form.save(commit=False)
        coached.callout = callout
        coached.save()
        journal.record(request, journal.UPDATE, callout, "callout.officer_coached")
        return _("Officer coaching recorded.")

    return _add_to_callout(request, public_id, save)


@access_required
def followup_add(request, public_id):
    def save(form, callout):
        follow_up = form.save(commit=False)
        follow_up.callout = callout
        follow_up.created_by = request.user
        follow_up.save()
        services.schedule_follow_up_reminder(follow_up)
        journal.record(request, journal.UPDATE, callout, "callout.followup_added")
        return _("Follow-up planned.")

    return _add_to_callout(request, public_id, save)


# --- the list and exports -------------------------------------------------------------------------------------------


def filtered_callouts(request):
    return CalloutFilter(request.GET or None, queryset=Callout.objects.visible_to(request.user), request=request)


@access_required
def callout_list(request):
    """Callouts, newest first, filtered; the rows are a partial htmx refreshes alone."""
    callout_filter = filtered_callouts(request)
    # Only what the rows show, as plain values: no model instances, no join of the category and
    # commune tables (the filter bar already read their names). The persons per callout come in
    # the same query: PostgreSQL counts them after the LIMIT, for the page's rows only.
    rows = callout_filter.qs.order_by("-received_at", "-id").values(
        "public_id",
        "reference",
        "received_at",
        "status",
        "category_id",
        "commune_id",
        assistant_name=F("assistant__full_name"),
        persons_count=SubqueryCount(Involvement.objects.filter(callout=OuterRef("pk"))),
    )
    page = CappedPaginator(rows, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    categories = dict(callout_filter.choices["category"])
    communes = dict(callout_filter.choices["commune"])
    page.object_list = [
        {**row, "category": categories.get(row["category_id"], ""), "commune": communes.get(row["commune_id"], "")}
        for row in page.object_list
    ]
    description = callout_filter.description()
    journal.record(
        request,
        journal.SEARCH if description else journal.LIST,
        code="callouts.search" if description else "callouts.list",
        params={"filters": description} if description else None,
        object_type="victims.callout",
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": callout_filter,
        "page": page,
        "count_cap": number_format(page.paginator.cap, force_grouping=True),
        "query": query.urlencode(),
        "identities": sees_identities(request),
    }
    template = "victims/_callout_rows.html" if request.htmx else "victims/callout_list.html"
    return render(request, template, context)


@access_required
def callout_export(request):
    """The filtered list as CSV or XLSX. Names of persons only for the coordination (admin)."""
    callout_filter = filtered_callouts(request)
    options = ExportForm(request.GET)
    if not options.is_valid() or (callout_filter.is_bound and not callout_filter.form.is_valid()):
        # Never export something else than asked: back to the list, which says what is wrong.
        query = request.GET.copy()
        query.pop("format", None)
        return redirect(f"{reverse('victims:callout_list')}?{query.urlencode()}")
    rows = (
        callout_filter.qs.order_by("-received_at", "-id")
        .select_related("category", "commune", "assistant", "requesting_unit")
        .prefetch_related(
            Prefetch("involvements", queryset=Involvement.objects.select_related("person")),
            Prefetch("actions", queryset=AssistanceAction.objects.only("id", "callout_id", "kind")),
            Prefetch("referrals", queryset=Referral.objects.select_related("service")),
        )
    )
    file_format = options.cleaned_data["format"] or "csv"
    with_names = roles.can(request.user, "export_identities")
    journal.record(
        request,
        journal.EXPORT,
        code="callouts.export" if with_names else "callouts.export_anonymous",
        params={"format": file_format.upper(), "filters": callout_filter.description()},
        object_type="victims.callout",
    )
    return exports.callouts_response(rows, file_format=file_format, with_names=with_names)


# --- lists for the AC ---------------------------------------------------------------------------------------------


@access_required
def followup_list(request):
    """My follow-ups (or everyone's for the coordination), due first."""
    options = FollowUpListForm(request.GET)
    show_all = options.is_valid() and options.cleaned_data["all"] == "1" and request.user.has_role(roles.ADMIN)
    rows = FollowUp.objects.pending().select_related("callout__category", "person", "assignee")
    if not show_all:
        rows = rows.assigned_to(request.user)
    page = CappedPaginator(rows.order_by("due_on", "id"), 50).get_page(request.GET.get("page"))
    journal.record(request, journal.LIST, code="followups.list", object_type="victims.followup")
    context = {
        "page": page,
        "show_all": show_all,
        "today": timezone.localdate(),
        "may_see_all": request.user.has_role(roles.ADMIN),
        "options": options,
    }
    return render(request, "victims/followup_list.html", context)


@access_required
@require_POST
def followup_done(request, pk):
    follow_up = get_object_or_404(FollowUp.objects.select_related("callout", "person"), pk=pk, done_at__isnull=True)
    services.complete_follow_up(follow_up, by=request.user)
    journal.record(request, journal.UPDATE, follow_up, "followup.done")
    messages.success(request, _("Follow-up done."))
    return redirect(_safe_next(request, "victims:followup_list"))
