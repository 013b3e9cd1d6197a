"""What the victims app adds to the other apps' pages and messages, registered from ready():
kinds of notification, the incident-category reference list, home cards, the rota's handover
digest and the "Page the on-call AC" button on "Who is on call now"."""

import functools
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import roles
from accounts.extensions import home_card
from core import forms as core_forms
from directory import reference
from notifications import kinds
from oncall.extensions import handover_section, now_action


class IncidentCategoryForm(core_forms.ModelForm):
    class Meta:
        from victims.models import IncidentCategory

        model = IncidentCategory
        fields = ["name_fr", "name_nl", "code", "sort_order", "is_active"]


def register() -> None:
    from victims.models import IncidentCategory

    kinds.register("page", gettext_lazy("Page: a callout for me"), ("sms", "email", "in_app"), configurable=False)
    kinds.register("callout_accepted", gettext_lazy("A callout I paged was accepted"), ("in_app",))
    kinds.register("referral_reminder", gettext_lazy("A referral the service has not acknowledged"))
    kinds.register("follow_up_due", gettext_lazy("A follow-up is due"))
    kinds.register("referral_answered", gettext_lazy("A service answered one of my referrals"))
    kinds.register("referral_sent", gettext_lazy("Referral sheet to a service"), ("email",), configurable=False)
    reference.register(
        reference.ReferenceKind(
            "incident-categories",
            gettext_lazy("Incident categories"),
            IncidentCategory,
            IncidentCategoryForm,
            columns=[
                (gettext_lazy("Name"), lambda row: row.name),
                (gettext_lazy("Code"), lambda row: row.code),
                (gettext_lazy("Active"), lambda row: _("yes") if row.is_active else _("no")),
            ],
            search_fields=["name_fr", "name_nl", "code"],
        )
    )
    home_card(order=1)(paged_card)
    home_card(order=5)(page_card)
    home_card(order=10)(open_callouts_card)
    home_card(order=12)(my_follow_ups_card)
    home_card(order=14)(debriefs_card)
    handover_section(handover_open_callouts)
    handover_section(handover_waiting_referrals)
    handover_section(handover_due_follow_ups)
    now_action(page_action)


# --- home cards ------------------------------------------------------------------------------------------------

# The cards read only the columns they show: the home page is the most opened page.
CATEGORY_AND_COMMUNE_NAMES = ("category__name_fr", "category__name_nl", "commune__name_fr", "commune__name_nl")


def paged_card(request):
    """The callouts this AC was paged for and nobody accepted yet: first on the home page, with
    Accept on it (at 3 a.m. the AC signs in and accepts without looking for the callout)."""
    from victims.models import Callout

    if not roles.can_open(request.user, "victims:callout_edit"):
        return None
    rows = list(
        Callout.objects.awaiting_acceptance()
        .filter(pages__recipient=request.user)
        .select_related("category", "commune")
        .only("public_id", "reference", "received_at", "place", "context", *CATEGORY_AND_COMMUNE_NAMES)
        .distinct()
        .order_by("-received_at")[:3]
    )
    if not rows:
        return None
    return {"template": "victims/_home_paged.html", "callouts": rows}


def page_card(request):
    """Dispatch's home: the one button it needs."""
    if not request.user.has_role(roles.DISPATCH):
        return None
    return {"template": "victims/_home_page_card.html"}


def open_callouts_card(request):
    from victims.models import Callout

    if not roles.can(request.user, "see_identities"):
        return None
    rows = list(
        Callout.objects.open()
        .select_related("category", "commune")
        .only("public_id", "reference", "status", *CATEGORY_AND_COMMUNE_NAMES)
        .order_by("-received_at")[:6]
    )
    return {"template": "victims/_home_open_callouts.html", "callouts": rows[:5], "more": len(rows) > 5}


def my_follow_ups_card(request):
    from victims.models import FollowUp, Referral

    if not roles.can(request.user, "see_identities"):
        return None
    today = timezone.localdate()
    rows = list(
        FollowUp.objects.pending()
        .assigned_to(request.user)
        .filter(due_on__lte=today + timedelta(days=7))
        .select_related("callout", "person")
        .only("due_on", "note", "callout__reference", "person__first_name", "person__last_name")
        .order_by("due_on", "id")[:6]
    )
    waiting = Referral.objects.awaiting_acknowledgement().filter(created_by=request.user).count()
    return {
        "template": "victims/_home_follow_ups.html",
        "followups": rows[:5],
        "more": len(rows) > 5,
        "today": today,
        "waiting_referrals": waiting,
    }


def debriefs_card(request):
    """The coordination sees who needs a debrief after a hard callout — not why."""
    from victims.models import Callout

    if not request.user.has_role(roles.ADMIN):
        return None
    rows = list(
        Callout.objects.filter(debrief_needed=True, debrief_done_at__isnull=True, assistant__isnull=False)
        .select_related("assistant")
        .only("public_id", "received_at", "assistant__full_name")
        .order_by("received_at")[:10]
    )
    if not rows:
        return None
    return {"template": "victims/_home_debriefs.html", "debriefs": rows}


# --- the rota's handover digest --------------------------------------------------------------------------------


def in_language_of_incoming_ac(function):
    """The digest is stored as text: write it in the language of the AC who will read it."""

    @functools.wraps(function)
    def wrapper(shift):
        with translation.override(getattr(shift.assistant, "language", None) or "fr"):
            return function(shift)

    return wrapper


def _absolute(path: str) -> str:
    from django.conf import settings

    return settings.SITE_URL + path


def _local(value) -> str:
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


@in_language_of_incoming_ac
def handover_open_callouts(shift):
    from victims.models import Callout

    rows = list(Callout.objects.open().select_related("category", "commune").order_by("received_at")[:20])
    if not rows:
        return None
    return {
        "title": _("Open callouts"),
        "items": [
            {
                "text": f"{callout.reference} · {callout.category.name} · {callout.commune.name} · "
                f"{callout.get_status_display()} ({_local(callout.received_at)})",
                "url": _absolute(reverse("victims:callout_detail", kwargs={"public_id": callout.public_id})),
            }
            for callout in rows
        ],
    }


@in_language_of_incoming_ac
def handover_waiting_referrals(shift):
    from victims.models import Referral

    rows = list(
        Referral.objects.awaiting_acknowledgement().select_related("service", "callout").order_by("sent_at")[:20]
    )
    if not rows:
        return None
    return {
        "title": _("Referrals not acknowledged by the service"),
        "items": [
            {
                "text": _("%(reference)s to %(service)s, sent %(sent)s%(callout)s")
                % {
                    "reference": referral.journal_label(),
                    "service": referral.service.name,
                    "sent": _local(referral.sent_at),
                    "callout": f" ({referral.callout.reference})" if referral.callout_id else "",
                },
                "url": _absolute(reverse("victims:referral_detail", kwargs={"public_id": referral.public_id})),
            }
            for referral in rows
        ],
    }


@in_language_of_incoming_ac
def handover_due_follow_ups(shift):
    from victims.models import FollowUp

    until = timezone.localtime(shift.ends_at).date()
    rows = list(
        FollowUp.objects.due_by(until).select_related("callout", "person", "assignee").order_by("due_on", "id")[:20]
    )
    if not rows:
        return None
    items = []
    for follow_up in rows:
        about = follow_up.callout.reference if follow_up.callout_id else follow_up.person.journal_label()
        if follow_up.callout_id:
            url = reverse("victims:callout_detail", kwargs={"public_id": follow_up.callout.public_id})
        else:
            url = reverse("victims:person_detail", kwargs={"public_id": follow_up.person.public_id})
        items.append(
            {
                "text": _("Follow-up of %(about)s due %(due)s, for %(assignee)s")
                % {
                    "about": about,
                    "due": date_format(follow_up.due_on, "SHORT_DATE_FORMAT"),
                    "assignee": follow_up.assignee.full_name,
                },
                "url": _absolute(url),
            }
        )
    return {"title": _("Follow-ups due"), "items": items}


# --- "Who is on call now" --------------------------------------------------------------------------------------


def page_action(request):
    if not roles.can_open(request.user, "victims:callout_page"):
        return None
    return {"label": _("Page the on-call AC"), "url": reverse("victims:callout_page"), "icon": "megaphone"}
