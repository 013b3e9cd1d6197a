"""Sign-in, second factor, sessions and account administration: work that spans several models."""

import base64
import time
from datetime import timedelta
from io import BytesIO

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import Exists, F, Func, OuterRef, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import journal
from accounts.middleware import AUTH_STARTED_AT, LAST_SEEN_AT
from accounts.models import AccessEvent, TrustedDevice, User, UserSession

PENDING_KEY = "pending_sign_in"
BACKUP_CODES_KEY = "fresh_backup_codes"
TRUSTED_SALT = "accounts.trusted-device"


# --- the two-step sign-in -----------------------------------------------------------------------


def begin_sign_in(request, user: User, *, via: str = "password") -> None:
    """Password accepted: remember who is signing in until the second factor is given.

    No authenticated session exists before the second factor (ASVS 6.3.3): the pending state is
    just a user id and a time in the anonymous session, valid for a few minutes.
    """
    request.session.cycle_key()
    request.session[PENDING_KEY] = {"user": user.pk, "at": time.time(), "via": via}


def pending_user(request) -> User | None:
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending.get("at", 0) > settings.PENDING_SIGN_IN_SECONDS:
        return None
    return User.objects.filter(pk=pending["user"], is_active=True).first()


def confirmed_totp(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def verify_second_factor(user: User, code: str) -> tuple[object | None, str]:
    """Check a TOTP or backup code. Returns (device, "") or (None, reason) with reason one of
    "invalid" or "throttled".

    A code is consumed in the transaction that checks it: the device row is locked first
    (SELECT … FOR UPDATE), so of several requests posting the same code at once, the first records
    the TOTP time step (or deletes the backup code) and commits before the next one reads the
    device, which then finds the code used. Without the lock each request read the device before
    any had written, and one code opened as many sessions as were posted.
    """
    with transaction.atomic():
        throttled = False
        if code.isdigit() and len(code) == 6:
            totp = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            if totp is not None:
                allowed, _details = totp.verify_is_allowed()
                if not allowed:
                    throttled = True
                elif totp.verify_token(code):
                    return totp, ""
        elif not code.isdigit():
            static = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            if static is not None:
                allowed, _details = static.verify_is_allowed()
                if not allowed:
                    throttled = True
                elif static.verify_token(code):
                    return static, ""
    return None, "throttled" if throttled else "invalid"


def complete_sign_in(request, user: User, device, *, method: str) -> None:
    """Open the session: new session key, second factor recorded, timeouts stamped, journaled.

    ``method`` is the journal code of the way in ("sign_in.authenticator", "sign_in.backup"…)."""
    request.session.pop(PENDING_KEY, None)
    user.backend = "django.contrib.auth.backends.ModelBackend"
    auth.login(request, user)  # cycles the session key (ASVS 7.2.4)
    django_otp.login(request, device)
    now = time.time()
    request.session[AUTH_STARTED_AT] = now
    request.session[LAST_SEEN_AT] = now
    request.session.save()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "ip": journal.client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
            "created_at": timezone.now(),
        },
    )
    journal.record(request, journal.SIGN_IN, user, method, actor=user)


def sign_out(request) -> None:
    user = request.user
    if user.is_authenticated:
        journal.record(request, journal.SIGN_OUT, user)
        UserSession.objects.filter(session_key=request.session.session_key).delete()
    auth.logout(request)


# --- trusted devices ------------------------------------------------------------------------------


def trusted_device_for(request, user: User) -> TrustedDevice | None:
    """The device trusted by this browser's cookie for ``user``, if still valid (and stamp its use)."""
    cookie = request.COOKIES.get(settings.TRUSTED_DEVICE_COOKIE_NAME)
    if not cookie or settings.TRUSTED_DEVICE_DAYS == 0:
        return None
    try:
        data = signing.loads(cookie, salt=TRUSTED_SALT, max_age=settings.TRUSTED_DEVICE_DAYS * 86400)
    except signing.BadSignature:
        return None
    if data.get("u") != user.pk:
        return None
    device = TrustedDevice.objects.valid().filter(user=user, token_hash=TrustedDevice.hash(data.get("t", ""))).first()
    if device is not None:
        device.last_used_at = timezone.now()
        device.save(update_fields=["last_used_at"])
    return device


def trust_this_device(request, response, user: User) -> TrustedDevice:
    label = request.META.get("HTTP_USER_AGENT", "")
    device, token = TrustedDevice.issue(user, label=label)
    response.set_cookie(
        settings.TRUSTED_DEVICE_COOKIE_NAME,
        signing.dumps({"u": user.pk, "t": token}, salt=TRUSTED_SALT),
        max_age=settings.TRUSTED_DEVICE_DAYS * 86400,
        secure=settings.HTTPS,
        httponly=True,
        samesite="Lax",
    )
    journal.record(request, journal.SECURITY, user, "device.trusted", actor=user)
    return device


# --- enrolment and backup codes ----------------------------------------------------------------------


def enrolment_device(user: User) -> TOTPDevice:
    """The unconfirmed authenticator being set up (reused on reload, so the QR code stays the same)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def manual_key(device: TOTPDevice) -> str:
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_code_data_uri(device: TOTPDevice) -> str:
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def confirm_enrolment(request, user: User, device: TOTPDevice, code: str) -> bool:
    if not device.verify_token(code):
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        journal.record(request, journal.SECURITY, user, "second_factor.enrolled", actor=user)
    return True


def new_backup_codes(user: User) -> list[str]:
    """Replace the user's backup codes with fresh single-use ones (each is deleted when used)."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name="backup", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = []
    for _i in range(settings.BACKUP_CODE_COUNT):
        token = StaticToken.random_token()  # 8 characters from a-z2-7, never all digits
        while token.isdigit():
            token = StaticToken.random_token()
        codes.append(token)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def second_factor_summary(user: User) -> dict:
    """The home page's "Second factor" card in one query instead of three: ``has_authenticator``,
    ``backup_codes_left`` (as backup_codes_left()) and ``trusted_devices`` still valid."""

    def count(rows):
        # COUNT as a plain function, not an aggregate: no GROUP BY, 0 when there is no row.
        return Subquery(rows.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"))

    summary = (
        User.objects.filter(pk=user.pk)
        .values(
            has_authenticator=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
            backup_codes_left=count(StaticToken.objects.filter(device__user=OuterRef("pk"), device__confirmed=True)),
            valid_trusted_devices=count(TrustedDevice.objects.valid().filter(user=OuterRef("pk"))),
        )
        .get()
    )
    summary["trusted_devices"] = summary.pop("valid_trusted_devices")  # "trusted_devices" names the relation
    return summary


# --- administration -------------------------------------------------------------------------------------


def end_sessions(user: User, *, except_key: str | None = None) -> int:
    keys = list(
        UserSession.objects.filter(user=user)
        .exclude(session_key=except_key or "")
        .values_list("session_key", flat=True)
    )
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


def end_session(session: UserSession) -> None:
    Session.objects.filter(session_key=session.session_key).delete()
    session.delete()


def deactivate_user(request, user: User) -> None:
    user.deactivate()
    end_sessions(user)
    TrustedDevice.objects.valid().filter(user=user).update(revoked_at=timezone.now())
    journal.record(request, journal.UPDATE, user, "user.deactivated")


def reset_second_factor(request, user: User) -> None:
    """Forget the user's authenticator, backup codes and trusted devices: they enrol again at the
    next sign-in. Their open sessions end."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    TrustedDevice.objects.valid().filter(user=user).update(revoked_at=timezone.now())
    end_sessions(user)
    journal.record(request, journal.SECURITY, user, "second_factor.reset")


def password_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("accounts:password_reset_confirm", args=[uid, token])


def send_account_email(user: User, template: str, context: dict) -> None:
    """Send a sign-in e-mail (reset link, invitation) in the user's language, after the commit."""
    with translation.override(user.language):
        context = {"user": user, "site_url": settings.SITE_URL, "site_name": settings.SITE_NAME, **context}
        subject = render_to_string(f"accounts/email/{template}_subject.txt", context).strip()
        text = render_to_string(f"accounts/email/{template}.txt", context)
        html = render_to_string(f"accounts/email/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])
    message.attach_alternative(html, "text/html")
    transaction.on_commit(lambda: message.send(fail_silently=False))


RESET_WINDOW = timedelta(hours=1)
RESET_SENT = "password_reset.sent"
RESET_UNKNOWN = "password_reset.unknown"


def request_password_reset(request, email: str) -> None:
    """Mail a reset link if an active account has this address and the hourly limits allow it
    (per account, per IP address); the caller says the same thing in every case.

    Every request is journaled, and the journal is what is counted: the requests served from the
    address and the links sent to the account within the last hour. Requests for one address, and
    for one account, are taken one at a time (advisory locks held until the commit), so eight at
    once cannot all count the same seven earlier ones.
    """
    email = email.strip().lower()
    ip = journal.client_ip(request)
    with transaction.atomic():
        _lock_for_the_transaction(f"password-reset ip {ip}")  # always before the account's: no deadlock
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is not None:
            _lock_for_the_transaction(f"password-reset user {user.pk}")
        recent = AccessEvent.objects.filter(at__gte=timezone.now() - RESET_WINDOW)
        from_ip = recent.filter(code__in=[RESET_SENT, RESET_UNKNOWN], ip=ip).count()
        to_user = recent.about("accounts.user", user.pk).filter(code=RESET_SENT).count() if user else 0
        if from_ip >= settings.PASSWORD_RESETS_PER_ADDRESS or to_user >= settings.PASSWORD_RESETS_PER_ACCOUNT:
            journal.record(request, journal.SECURITY, user, "password_reset.refused", actor_label=email[:254])
        elif user is None:
            journal.record(request, journal.SECURITY, code=RESET_UNKNOWN, actor_label=email[:254])
        else:
            journal.record(request, journal.SECURITY, user, RESET_SENT, actor_label=email[:254])
            send_account_email(user, "password_reset", {"link": password_link(user), "hours": _link_hours()})


def _lock_for_the_transaction(name: str) -> None:
    # An advisory lock: the ORM has no way to say it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [name])


def invite_user(request, user: User) -> None:
    """Mail a link to choose a password (a new account, or an administrator re-sending it)."""
    journal.record(request, journal.SECURITY, user, "user.link_sent")
    send_account_email(
        user, "invitation", {"link": password_link(user), "invited_by": request.user, "hours": _link_hours()}
    )


def _link_hours() -> int:
    return settings.PASSWORD_RESET_TIMEOUT // 3600


def set_password_after_reset(request, user: User, password: str) -> None:
    """A reset ends with the second factor, never with an open session (ASVS 6.4.3): the old
    sessions and trusted devices are ended, and the browser goes on to the second-factor step."""
    user.set_password(password)
    user.save(update_fields=["password", "password_changed_at"])
    end_sessions(user)
    TrustedDevice.objects.valid().filter(user=user).update(revoked_at=timezone.now())
    journal.record(request, journal.SECURITY, user, "password.set_by_link", actor=user)
    begin_sign_in(request, user, via="reset")
