import csv
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth.tokens import default_token_generator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import extensions, journal, roles, services
from accounts.decorators import access_required
from accounts.forms import (
    CodeForm,
    EmailForm,
    EnrolForm,
    JournalFilterForm,
    PasswordChangeForm,
    ProfileForm,
    SetPasswordForm,
    SignInForm,
    UserFilterForm,
    UserForm,
)
from accounts.models import AccessEvent, Role, TrustedDevice, User, UserSession
from core.history import history_for
from core.pagination import CappedPaginator, keyset_page

JOURNAL_PAGE_SIZE = 50
JOURNAL_CSV_HEADER = [
    gettext_lazy("time (UTC)"),
    gettext_lazy("user"),
    gettext_lazy("action"),
    gettext_lazy("object type"),
    gettext_lazy("object"),
    gettext_lazy("description"),
    gettext_lazy("reason"),
    gettext_lazy("IP address"),
    gettext_lazy("browser"),
]


def _next_url(request, default="accounts:home"):
    target = request.POST.get("next") or request.GET.get("next") or request.session.get("next_after_sign_in")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


# --- sign-in ------------------------------------------------------------------------------------------


@access_required
def login(request):
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        user = authenticate(request, username=email, password=form.cleaned_data["password"])
        if user is None:
            if getattr(request, "axes_locked_out", False):
                journal.record(request, journal.LOCKOUT, code="sign_in.locked_out", actor_label=email)
            else:
                journal.record(request, journal.SIGN_IN_FAILED, code="sign_in.wrong_password", actor_label=email)
            form.add_error(None, _("E-mail address or password incorrect."))
        else:
            if request.GET.get("next"):
                request.session["next_after_sign_in"] = request.GET["next"]
            device = services.trusted_device_for(request, user)
            totp = services.confirmed_totp(user)
            if device is not None and totp is not None:
                services.complete_sign_in(request, user, totp, method="sign_in.trusted_device")
                return redirect(_next_url(request))
            services.begin_sign_in(request, user)
            return redirect("accounts:login_verify" if totp else "accounts:enrol")
    return render(request, "accounts/login.html", {"form": form})


def locked_out(request, original_response=None, credentials=None):
    """django-axes calls this instead of its own page: same look, a plain explanation, HTTP 429."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = SignInForm(initial={"email": journal.attempted_username(request, credentials)})
    return render(request, "accounts/login.html", {"form": form, "locked_minutes": minutes}, status=429)


@access_required
def login_verify(request):
    user = services.pending_user(request)
    if user is None:
        messages.info(request, _("Please sign in again."))
        return redirect("accounts:login")
    if services.confirmed_totp(user) is None:
        return redirect("accounts:enrol")
    form = CodeForm(request.POST or None)
    if settings.TRUSTED_DEVICE_DAYS == 0:
        del form.fields["trust_device"]
    if request.method == "POST" and form.is_valid():
        device, problem = services.verify_second_factor(user, form.cleaned_data["code"])
        if device is None:
            journal.record(request, journal.SIGN_IN_FAILED, code=f"second_factor.{problem}", actor=user)
            if problem == "throttled":
                form.add_error("code", _("Too many wrong codes. Wait a minute, then try again."))
            else:
                form.add_error("code", _("This code is not valid, or was already used."))
        else:
            target = _next_url(request)
            method = "sign_in.backup" if device.name == "backup" else "sign_in.authenticator"
            services.complete_sign_in(request, user, device, method=method)
            response = redirect(target)
            if form.cleaned_data.get("trust_device"):
                services.trust_this_device(request, response, user)
            request.session.pop("next_after_sign_in", None)
            if device.name == "backup":
                left = services.backup_codes_left(user)
                messages.warning(request, _("You used a backup code. %(count)s left.") % {"count": left})
            return response
    context = {"form": form, "trusted_days": settings.TRUSTED_DEVICE_DAYS}
    return render(request, "accounts/login_verify.html", context)


@access_required
def enrol(request):
    """Set up the authenticator app: at first sign-in (pending), or from the profile (signed in)."""
    signed_in = request.user.is_authenticated
    user = request.user if signed_in else services.pending_user(request)
    if user is None:
        return redirect("accounts:login")
    if not signed_in and services.confirmed_totp(user) is not None:
        return redirect("accounts:login_verify")
    device = services.enrolment_device(user)
    form = EnrolForm(request.POST or None)
    if signed_in:
        form.fields["password"] = SignInForm.base_fields["password"]
    if request.method == "POST" and form.is_valid():
        if signed_in and not user.check_password(form.cleaned_data["password"]):
            form.add_error("password", _("Your current password is not correct."))
        elif not services.confirm_enrolment(request, user, device, form.cleaned_data["code"]):
            form.add_error("code", _("This code does not match. Check the time on your phone and try the next code."))
        else:
            request.session[services.BACKUP_CODES_KEY] = services.new_backup_codes(user)
            if not signed_in:
                services.complete_sign_in(request, user, device, method="sign_in.enrolled")
                request.session[services.BACKUP_CODES_KEY] = request.session.get(services.BACKUP_CODES_KEY) or []
            messages.success(request, _("Your authenticator app is set up."))
            return redirect("accounts:backup_codes")
    context = {
        "form": form,
        "qr_code": services.qr_code_data_uri(device),
        "manual_key": services.manual_key(device),
        "first_time": not signed_in,
    }
    return render(request, "accounts/enrol.html", context)


@access_required
def backup_codes(request):
    """Show freshly made backup codes once; POST makes a new set (the old ones stop working)."""
    if request.method == "POST":
        request.session[services.BACKUP_CODES_KEY] = services.new_backup_codes(request.user)
        journal.record(request, journal.SECURITY, request.user, "backup_codes.new")
        return redirect("accounts:backup_codes")
    codes = request.session.pop(services.BACKUP_CODES_KEY, None)
    context = {"codes": codes, "left": services.backup_codes_left(request.user), "next": _next_url(request)}
    return render(request, "accounts/backup_codes.html", context)


@access_required
@require_POST
def logout(request):
    services.sign_out(request)
    messages.success(request, _("You are signed out."))
    return redirect("accounts:login")


# --- password reset --------------------------------------------------------------------------------------


@access_required
def password_reset(request):
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.request_password_reset(request, form.cleaned_data["email"])
        return redirect("accounts:password_reset_sent")
    return render(request, "accounts/password_reset.html", {"form": form})


@access_required
def password_reset_sent(request):
    return render(request, "accounts/password_reset_sent.html", {"hours": settings.PASSWORD_RESET_TIMEOUT // 3600})


@access_required
def password_reset_confirm(request, uidb64, token):
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)), is_active=True)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        return render(request, "accounts/password_reset_invalid.html", status=400)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        if request.user.is_authenticated:
            services.sign_out(request)
        services.set_password_after_reset(request, user, form.cleaned_data["new_password1"])
        messages.success(request, _("Your password is set. One more step: your second factor."))
        return redirect("accounts:login_verify" if services.confirmed_totp(user) else "accounts:enrol")
    return render(request, "accounts/password_reset_confirm.html", {"form": form, "account": user})


# --- home and profile ----------------------------------------------------------------------------------------


@access_required
def home(request):
    user = request.user
    recent = list(
        AccessEvent.objects.filter(
            actor=user, action__in=[AccessEvent.Action.SIGN_IN, AccessEvent.Action.SIGN_IN_FAILED]
        ).only("at", "action", "ip", "user_agent", "description")[:6]
    )
    context = {
        "recent_sign_ins": recent,
        **services.second_factor_summary(user),
        # From the roles the request already read (accounts.roles), not one more query.
        "role_labels": [label for code, label in roles.ROLE_CHOICES if code in user.role_codes],
    }
    context["cards"] = extensions.collect(extensions.HOME_CARDS, request)
    if user.has_role("admin"):
        context["account_stats"] = User.objects.aggregate(
            active=Count("pk", filter=Q(is_active=True)),
            deactivated=Count("pk", filter=Q(is_active=False)),
            without_role=Count("pk", filter=Q(is_active=True, roles__isnull=True)),
        )
        context["without_authenticator"] = (
            User.objects.active()
            .exclude(totpdevice__confirmed=True)
            .order_by("full_name")
            .only("full_name", "email")[:10]
        )
    if user.has_role("dpo"):
        since = timezone.now() - timedelta(days=1)
        context["journal_stats"] = AccessEvent.objects.filter(at__gte=since).aggregate(
            total=Count("pk"),
            denied=Count("pk", filter=Q(action=AccessEvent.Action.DENIED)),
            failed=Count("pk", filter=Q(action=AccessEvent.Action.SIGN_IN_FAILED)),
            lockouts=Count("pk", filter=Q(action=AccessEvent.Action.LOCKOUT)),
        )
    return render(request, "accounts/home.html", context)


@access_required
def profile(request):
    user = request.user
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        form.save()
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language
        messages.success(request, _("Your profile is saved."))
        return redirect("accounts:profile")
    context = {
        "form": form,
        "has_authenticator": services.confirmed_totp(user) is not None,
        "backup_codes_left": services.backup_codes_left(user),
        "trusted_devices": TrustedDevice.objects.filter(
            user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ),
        "sessions": UserSession.objects.filter(user=user),
        "current_session": request.session.session_key,
        "sections": extensions.collect(extensions.PROFILE_SECTIONS, request),
    }
    return render(request, "accounts/profile.html", context)


@access_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        user.set_password(form.cleaned_data["new_password1"])
        user.save(update_fields=["password", "password_changed_at"])
        update_session_auth_hash(request, user)
        services.end_sessions(user, except_key=request.session.session_key)
        journal.record(request, journal.SECURITY, user, "password.changed")
        messages.success(request, _("Your password is changed. Your other sessions were ended."))
        return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form})


@access_required
@require_POST
def trusted_device_revoke(request, pk):
    device = get_object_or_404(TrustedDevice, pk=pk, user=request.user)
    device.revoke()
    journal.record(request, journal.SECURITY, request.user, "device.revoked")
    messages.success(request, _("This device will ask for your second factor again."))
    return redirect("accounts:profile")


@access_required
@require_POST
def session_end(request, pk):
    session = get_object_or_404(UserSession, pk=pk, user=request.user)
    if session.session_key == request.session.session_key:
        services.sign_out(request)
        return redirect("accounts:login")
    services.end_session(session)
    journal.record(request, journal.SECURITY, request.user, "session.ended")
    messages.success(request, _("That session is ended."))
    return redirect("accounts:profile")


@access_required
@require_POST
def set_language(request):
    """Switch the interface language; for a signed-in user it is also saved in the profile."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    if request.user.is_authenticated and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    response = redirect(_next_url(request, default="accounts:home"))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=True,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


# --- user administration --------------------------------------------------------------------------------------


@access_required
def user_list(request):
    form = UserFilterForm(request.GET or None)
    users = User.objects.prefetch_related(Prefetch("roles", queryset=Role.objects.order_by("id"))).annotate(
        authenticators=Count("totpdevice", filter=Q(totpdevice__confirmed=True))
    )
    searched = form.is_valid() and (form.cleaned_data["q"] or form.cleaned_data["role"])
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            users = users.filter(Q(full_name__unaccent__icontains=data["q"]) | Q(email__icontains=data["q"]))
        if data["role"]:
            users = users.filter(roles__code=data["role"])
        status = data["status"] or "active"
    else:
        status = "active"
    if status != "all":
        users = users.filter(is_active=status == "active")
    if searched:
        terms = " ".join(f"{key}={form.cleaned_data[key]}" for key in ("q", "role") if form.cleaned_data[key])
        journal.record(request, journal.SEARCH, code="users.search", params={"filters": f"{terms} status={status}"})
    else:
        journal.record(request, journal.LIST, code="users.list")
    page = CappedPaginator(users.order_by("full_name"), 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "accounts/_user_rows.html" if request.htmx else "accounts/user_list.html"
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()})


@access_required
def user_create(request):
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save(commit=False)
        user.set_unusable_password()  # the person chooses it through the invitation link
        user.save()
        form.save_m2m()
        journal.record(request, journal.CREATE, user, "user.created")
        services.invite_user(request, user)
        messages.success(
            request, _("Account created. An e-mail invites %(name)s to choose a password.") % {"name": user.full_name}
        )
        return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form})


def _get_user(pk) -> User:
    return get_object_or_404(User.objects.prefetch_related("roles"), pk=pk)


@access_required
def user_detail(request, pk):
    account = _get_user(pk)
    journal.record(request, journal.VIEW, account)
    context = {
        "account": account,
        "has_authenticator": services.confirmed_totp(account) is not None,
        "sessions": UserSession.objects.filter(user=account),
        "history": _history_of(account),
        "recent_sign_ins": AccessEvent.objects.filter(
            actor=account, action__in=[AccessEvent.Action.SIGN_IN, AccessEvent.Action.SIGN_IN_FAILED]
        )[:10],
    }
    return render(request, "accounts/user_detail.html", context)


def _history_of(account: User):
    role_names = {role.pk: str(role) for role in Role.objects.all()}
    return history_for(
        account, formatters={"role": lambda pk: role_names.get(pk, pk), "role_id": lambda pk: role_names.get(pk, pk)}
    )


@access_required
def user_edit(request, pk):
    account = _get_user(pk)
    form = UserForm(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        if account == request.user and not form.cleaned_data["roles"].filter(code="admin").exists():
            form.add_error("roles", _("You cannot remove your own administrator role."))
        else:
            form.save()
            journal.record(request, journal.UPDATE, account, "user.changed")
            messages.success(request, _("Account saved."))
            return redirect("accounts:user_detail", pk=account.pk)
    return render(request, "accounts/user_form.html", {"form": form, "account": account})


@access_required
@require_POST
def user_deactivate(request, pk):
    account = _get_user(pk)
    if account == request.user:
        messages.error(request, _("You cannot deactivate your own account."))
    elif account.is_active:
        services.deactivate_user(request, account)
        messages.success(request, _("%(name)s is deactivated and signed out everywhere.") % {"name": account.full_name})
    return redirect("accounts:user_detail", pk=account.pk)


@access_required
@require_POST
def user_reactivate(request, pk):
    account = _get_user(pk)
    if not account.is_active:
        account.reactivate()
        journal.record(request, journal.UPDATE, account, "user.reactivated")
        messages.success(request, _("%(name)s can sign in again.") % {"name": account.full_name})
    return redirect("accounts:user_detail", pk=account.pk)


@access_required
@require_POST
def user_reset_second_factor(request, pk):
    account = _get_user(pk)
    services.reset_second_factor(request, account)
    messages.success(
        request,
        _("The second factor of %(name)s is reset: they will set up the app again at their next sign-in.")
        % {"name": account.full_name},
    )
    return redirect("accounts:user_detail", pk=account.pk)


@access_required
@require_POST
def user_send_link(request, pk):
    account = _get_user(pk)
    if not account.is_active:
        raise Http404
    services.invite_user(request, account)
    messages.success(request, _("A link to choose a password was sent to %(email)s.") % {"email": account.email})
    return redirect("accounts:user_detail", pk=account.pk)


# --- the access journal (DPO) ----------------------------------------------------------------------------------


def _journal_events(form: JournalFilterForm):
    events = AccessEvent.objects.select_related("actor")
    if not form.is_valid():
        return events, ""
    data = form.cleaned_data
    tz = timezone.get_current_timezone()
    filters = []
    if data["actor"]:
        events = events.filter(actor=data["actor"])
        filters.append(f"user={data['actor'].email}")
    if data["action"]:
        events = events.filter(action=data["action"])
        filters.append(f"action={data['action']}")
    if data["object_type"]:
        events = events.filter(object_type=data["object_type"].strip().lower())
        filters.append(f"type={data['object_type']}")
    if data["object_id"]:
        events = events.filter(object_id=data["object_id"].strip())
        filters.append(f"object={data['object_id']}")
    if data["since"]:
        events = events.filter(at__gte=datetime.combine(data["since"], time.min, tzinfo=tz))
        filters.append(f"from={data['since']}")
    if data["until"]:
        events = events.filter(at__lt=datetime.combine(data["until"] + timedelta(days=1), time.min, tzinfo=tz))
        filters.append(f"to={data['until']}")
    return events, " ".join(filters)


@access_required
def journal_page(request):
    """Newest first, 50 a page, paged by id (keyset): as fast with a billion rows as with ten."""
    form = JournalFilterForm(request.GET or None)
    events, filters = _journal_events(form)
    page = keyset_page(events, request.GET.get("before"), JOURNAL_PAGE_SIZE)
    if filters:
        journal.record(request, journal.SEARCH, code="journal.search", params={"filters": filters})
    else:
        journal.record(request, journal.LIST, code="journal.list")
    query = request.GET.copy()
    query.pop("before", None)
    context = {
        "form": form,
        "events": page.object_list,
        "next_before": page.next_before,
        "query": query.urlencode(),
    }
    template = "accounts/_journal_rows.html" if request.htmx and not page.is_first else "accounts/journal.html"
    return render(request, template, context)


class _Echo:
    def write(self, value):
        return value


def _cell(value) -> str:
    """A CSV cell a spreadsheet will not run: the e-mail typed at a failed sign-in and the browser's
    user agent are chosen by whoever connects, and the DPO opens the file in Excel (OWASP CSV
    injection)."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@access_required
def journal_export(request):
    form = JournalFilterForm(request.GET or None)
    events, filters = _journal_events(form)
    journal.record(request, journal.EXPORT, code="journal.export", params={"filters": filters})
    writer = csv.writer(_Echo())
    # In the reader's language: the rows are written after the view returns, when the request's
    # language may no longer be active.
    language = translation.get_language()

    def rows():
        with translation.override(language):
            yield writer.writerow([str(label) for label in JOURNAL_CSV_HEADER])
            for event in events.order_by("-id").iterator(chunk_size=2000):
                cells = [event.actor_label, event.get_action_display(), event.object_type, event.object_id]
                cells += [event.text, event.motif, event.ip or "", event.user_agent]
                yield writer.writerow([event.at.astimezone(UTC).isoformat(), *map(_cell, cells)])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="access-journal-{stamp}.csv"'
    return response
