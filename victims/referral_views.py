"""Referrals (orientation / doorverwijzing): proposing with consent, the referral sheet in the
service's language (HTML and PDF), sending it through the outbox, and the service's public
acknowledgement page behind a signed, expiring link."""

import pghistory
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import journal
from accounts.decorators import access_required
from core.pagination import CappedPaginator
from victims import services, sheet
from victims.forms import ReferralAnswerForm, ReferralForm, ReferralListForm, ServiceAnswerForm
from victims.models import Person, Referral, TransitionError
from victims.views import get_callout


def get_referral(public_id, *, lock: bool = False) -> Referral:
    rows = Referral.objects.select_related(
        "service__kind", "service__commune", "person", "callout__category", "callout__commune", "created_by"
    )
    if lock:
        rows = rows.select_for_update(of=("self",))
    return get_object_or_404(rows, public_id=public_id)


@access_required
def referral_create(request, public_id, person_id):
    """Refer a person of this callout to a service: suggestions first, consent on the spot."""
    callout = get_callout(request, public_id)
    person = get_object_or_404(Person, public_id=person_id, involvements__callout=callout, anonymised_at__isnull=True)
    form = ReferralForm(request.POST or None, person=person, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.refer(
                person,
                service=data["service"],
                callout=callout,
                message=data["message"],
                by=request.user,
                consent_now=data.get("consent_now", False),
                legal_basis=data.get("legal_basis", ""),
            )
        except services.ConsentRequired:
            form.add_error(None, _("The person must agree to the referral."))
        else:
            journal.record(
                request,
                journal.CREATE,
                referral,
                "referral.created",
                params={
                    "person": person.journal_label(),
                    "callout": callout.reference,
                    "service": journal.in_languages(fr=referral.service.name_fr, nl=referral.service.name_nl),
                },
                motif=data.get("motif", "") if referral.legal_basis else "",
            )
            messages.success(request, _("Referral proposed. Send the sheet to the service."))
            return redirect("victims:referral_detail", public_id=referral.public_id)
    if request.method == "GET":
        journal.record(request, journal.VIEW, person, "referral.form")
    suggestions = services.suggested_services(person, callout)
    suggested_ids = {service.pk for service, _reason in suggestions}
    if not form.is_bound and suggestions:
        form.initial["service"] = suggestions[0][0].pk
    others = [choice for choice in form.fields["service"].queryset if choice.pk not in suggested_ids]
    context = {
        "form": form,
        "callout": callout,
        "person": person,
        "suggestions": suggestions,
        "others": others,
    }
    return render(request, "victims/referral_create.html", context, status=422 if form.errors else 200)


@access_required
def referral_detail(request, public_id):
    referral = get_referral(public_id)
    journal.record(request, journal.VIEW, referral)
    context = {"referral": referral, "answer_form": ReferralAnswerForm(prefix="answer")}
    return render(request, "victims/referral_detail.html", context)


@access_required
@require_POST
def referral_send(request, public_id):
    referral = get_referral(public_id, lock=True)
    method = request.POST.get("method", "")
    if method not in Referral.Method.values or (method == Referral.Method.EMAIL and not referral.service.email):
        raise Http404
    try:
        services.send_referral(referral, method=method, by=request.user)
    except TransitionError:
        messages.warning(request, _("This referral was already sent."))
    else:
        recipient = referral.service.email if method == Referral.Method.EMAIL else method
        journal.record(
            request,
            journal.EXPORT,
            referral,
            "referral.sheet_sent",
            params={
                "service": journal.in_languages(fr=referral.service.name_fr, nl=referral.service.name_nl),
                "recipient": recipient,
            },
        )
        if method == Referral.Method.EMAIL:
            messages.success(
                request, _("The referral sheet is on its way to %(service)s.") % {"service": referral.service.name}
            )
        else:
            messages.success(request, _("Referral marked as sent."))
    return redirect("victims:referral_detail", public_id=referral.public_id)


@access_required
@require_POST
def referral_answer(request, public_id):
    """The AC records the service's answer given by phone, or closes the referral."""
    referral = get_referral(public_id, lock=True)
    form = ReferralAnswerForm(request.POST, prefix="answer")
    if form.is_valid():
        try:
            services.record_answer(referral, form.cleaned_data["status"], note=form.cleaned_data["note"])
        except TransitionError:
            messages.warning(request, _("Send the referral first."))
        else:
            journal.record(
                request,
                journal.UPDATE,
                referral,
                "referral.status",
                params={"status": journal.choice(referral, "status")},
            )
            messages.success(request, _("Referral updated."))
            return redirect("victims:referral_detail", public_id=referral.public_id)
    context = {"referral": referral, "answer_form": form}
    return render(request, "victims/referral_detail.html", context, status=422)


@access_required
def referral_sheet(request, public_id):
    """The printable referral sheet, in the service's language."""
    referral = get_referral(public_id)
    journal.record(request, journal.VIEW, referral, "referral.sheet")
    return HttpResponse(sheet.render_html(referral, request=request))


@access_required
def referral_pdf(request, public_id):
    referral = get_referral(public_id)
    journal.record(request, journal.EXPORT, referral, "referral.sheet_pdf")
    return sheet.pdf_response(referral)


@access_required
def referral_list(request):
    """What waits: referrals not sent yet, and sent ones the service has not acknowledged."""
    options = ReferralListForm(request.GET)
    waiting = not (options.is_valid() and options.cleaned_data["show"] == "all")
    rows = Referral.objects.select_related("service", "person", "callout", "created_by")
    if waiting:
        rows = rows.waiting()
    page = CappedPaginator(rows.order_by("status", "sent_at", "-created_at"), 30).get_page(request.GET.get("page"))
    journal.record(request, journal.LIST, code="referrals.list", object_type="victims.referral")
    return render(
        request,
        "victims/referral_list.html",
        {"page": page, "waiting": waiting, "now": timezone.now(), "options": options},
    )


# --- the service's side: no account, a signed link ---------------------------------------------------------------


def _link_problem(request, problem):
    status = 410 if problem.reason in ("expired", "replaced", "closed") else 404
    return render(request, "victims/referral_ack_invalid.html", {"reason": problem.reason}, status=status)


def _service_label(referral) -> str:
    return f"service: {referral.service.name_fr}"[:254]


@access_required
def referral_ack(request, token):
    """The service opens its link: the referral sheet and four answers. Journaled with the
    service as the actor. Shown in the service's language."""
    referral = services.referral_for_token(token)
    if isinstance(referral, services.LinkProblem):
        return _link_problem(request, referral)
    with translation.override(referral.service.language):
        form = ServiceAnswerForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                with pghistory.context(actor=_service_label(referral)):
                    services.service_answers(referral, form.cleaned_data["status"], note=form.cleaned_data["note"])
            except TransitionError:
                form.add_error(None, _("This referral is closed."))
            else:
                journal.record(
                    request,
                    journal.UPDATE,
                    referral,
                    "referral.answered",
                    params={"status": journal.choice(referral, "status")},
                    actor_label=_service_label(referral),
                )
                return redirect("victims:referral_ack", token=token)
        if request.method == "GET":
            journal.record(
                request,
                journal.VIEW,
                referral,
                "referral.opened_by_service",
                actor_label=_service_label(referral),
            )
        content = render_to_string(
            "victims/referral_ack.html",
            {"referral": referral, "form": form, "token": token, "sheet": sheet.context(referral)},
            request=request,
        )
    return HttpResponse(content, status=422 if form.errors else 200)


@access_required
def referral_ack_pdf(request, token):
    referral = services.referral_for_token(token)
    if isinstance(referral, services.LinkProblem):
        return _link_problem(request, referral)
    journal.record(
        request,
        journal.EXPORT,
        referral,
        "referral.pdf_by_service",
        actor_label=_service_label(referral),
    )
    return sheet.pdf_response(referral)
