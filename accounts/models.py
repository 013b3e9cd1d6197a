import hashlib
import secrets
from datetime import timedelta

import pghistory
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from accounts import journal_messages
from accounts import roles as role_table


class Language(models.TextChoices):
    FR = "fr", "Français"
    NL = "nl", "Nederlands"
    EN = "en", "English"


class Role(models.Model):
    """One of the five roles; rows are created by a data migration and never edited."""

    code = models.CharField(_("code"), max_length=20, unique=True, choices=role_table.ROLE_CHOICES)

    class Meta:
        ordering = ["id"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return str(self.get_code_display())


class UserQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def with_role(self, code: str):
        return self.filter(roles__code=code)


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        # E-mail addresses are case-insensitive to people; the unique constraint is on lower(email).
        return self.get(email__iexact=username)

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        """`manage.py createsuperuser`: the first administrator of a new installation."""
        user = self.create_user(email, password, **fields)
        user.roles.add(Role.objects.get(code=role_table.ADMIN))
        return user


@pghistory.track(exclude=["password", "last_login"])
class User(AbstractBaseUser):
    email = models.EmailField(_("e-mail address"), max_length=254)
    full_name = models.CharField(_("full name"), max_length=150)
    phone = models.CharField(
        _("phone"),
        max_length=20,
        blank=True,
        help_text=_("International format, for example +32 470 12 34 56."),
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.FR)
    roles = models.ManyToManyField(Role, through="UserRole", related_name="users", verbose_name=_("roles"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    deactivated_at = models.DateTimeField(_("deactivated"), null=True, blank=True)
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    objects = UserManager()

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
            models.CheckConstraint(condition=~models.Q(email=""), name="user_email_not_empty"),
            models.CheckConstraint(
                condition=models.Q(phone="") | models.Q(phone__regex=r"^\+[1-9][0-9]{6,14}$"),
                name="user_phone_e164",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def journal_label(self) -> str:
        return f"{self.full_name} <{self.email}>"

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    @cached_property
    def role_codes(self) -> frozenset[str]:
        """The user's role codes, loaded once per request."""
        return frozenset(self.roles.values_list("code", flat=True))

    def has_role(self, code: str) -> bool:
        return code in self.role_codes

    def deactivate(self, *, at=None) -> None:
        self.is_active = False
        self.deactivated_at = at or timezone.now()
        self.save(update_fields=["is_active", "deactivated_at"])

    def reactivate(self) -> None:
        self.is_active = True
        self.deactivated_at = None
        self.save(update_fields=["is_active", "deactivated_at"])


@pghistory.track(pghistory.InsertEvent("role.granted"), pghistory.DeleteEvent("role.removed"), obj_field=None)
class UserRole(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="user_roles")
    role = models.ForeignKey(Role, on_delete=models.PROTECT)
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="userrole_unique")]

    def __str__(self) -> str:
        return f"{self.user} – {self.role}"


class UserSession(models.Model):
    """A signed-in session, so that deactivating a user or resetting their second factor ends it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} – {self.created_at:%Y-%m-%d %H:%M}"


class TrustedDeviceQuerySet(models.QuerySet):
    def valid(self, now=None):
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class TrustedDevice(models.Model):
    """A browser where the second factor was given and the user chose to trust it.

    The cookie holds a random token; only its SHA-256 is stored, so a database leak does not give
    working cookies. Revoking sets ``revoked_at``; the list stays visible in the profile.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="trusted_devices")
    token_hash = models.CharField(max_length=64, unique=True)
    label = models.CharField(_("device"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("trusted since"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = TrustedDeviceQuerySet.as_manager()

    class Meta:
        ordering = ["-last_used_at"]

    def __str__(self) -> str:
        return f"{self.user} – {self.label[:40]}"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user, *, label: str, now=None) -> tuple["TrustedDevice", str]:
        now = now or timezone.now()
        token = secrets.token_urlsafe(32)
        device = cls.objects.create(
            user=user,
            token_hash=cls.hash(token),
            label=label[:200],
            created_at=now,
            last_used_at=now,
            expires_at=now + timedelta(days=settings.TRUSTED_DEVICE_DAYS),
        )
        return device, token

    def revoke(self, *, at=None) -> None:
        self.revoked_at = at or timezone.now()
        self.save(update_fields=["revoked_at"])


class AccessEventQuerySet(models.QuerySet):
    def about(self, object_type: str, object_id: str):
        return self.filter(object_type=object_type, object_id=str(object_id))

    def by(self, user):
        return self.filter(actor=user)

    def sign_ins(self):
        return self.filter(action=AccessEvent.Action.SIGN_IN)


class AccessEvent(models.Model):
    """The access journal: who consulted or changed what, when, from where, and why.

    Required by the Belgian police-data law (LED art. 25, law of 30 July 2018, title 2): it must
    show consultations and disclosures with their justification. Append-only: triggers refuse
    UPDATE, DELETE and TRUNCATE whatever the code path, and the app's database role may only insert
    and read (docs/journal-protection.md).
    """

    class Action(models.TextChoices):
        VIEW = "view", _("view")
        LIST = "list", _("list")
        SEARCH = "search", _("search")
        EXPORT = "export", _("export")
        CREATE = "create", _("create")
        UPDATE = "update", _("update")
        DELETE = "delete", _("delete")
        SIGN_IN = "sign-in", _("sign-in")
        SIGN_IN_FAILED = "sign-in-failed", _("sign-in failed")
        LOCKOUT = "lockout", _("lockout")
        DENIED = "denied", _("access denied")
        SIGN_OUT = "sign-out", _("sign-out")
        SECURITY = "security", _("security change")
        ANONYMISE = "anonymise", _("anonymisation")

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, verbose_name=_("user"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The identifier typed at a failed sign-in, or a system actor ("retention task").
    actor_label = models.CharField(_("user (as typed)"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object"), max_length=64, blank=True)
    # What happened, as a code of accounts.journal_messages and the parameters of its text: shown
    # in the reader's language. Entries written before codes existed have their text in description.
    code = models.CharField(_("code"), max_length=60, blank=True, db_default="")
    params = models.JSONField(_("parameters"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    motif = models.CharField(_("reason"), max_length=300, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        indexes = [
            # "who saw object X", newest first
            models.Index(fields=["object_type", "object_id", "-at"], name="accessevent_object_at"),
            # "what did user Y do between d1 and d2"
            models.Index(fields=["actor", "-at"], name="accessevent_actor_at"),
            models.Index(fields=["action", "-at"], name="accessevent_action_at"),
            # the home page's "My recent sign-ins": a handful of rows among the thousands of views an
            # AC's account writes in a year (through accessevent_actor_at they were all read)
            models.Index(
                fields=["actor", "-id"],
                condition=models.Q(action__in=["sign-in", "sign-in-failed"]),
                name="accessevent_actor_signins",
            ),
            # the password-reset limit counts the requests from one address in the last hour
            models.Index(
                fields=["ip", "-at"],
                condition=models.Q(code__startswith="password_reset."),
                name="accessevent_password_resets",
            ),
        ]
        # Append-only by two plain SQL triggers (migration 0006), not pgtrigger's: see
        # docs/journal-protection.md.

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type} {self.object_id}"

    @property
    def text(self) -> str:
        """What happened, in the active language."""
        return journal_messages.render(self.code, self.params, fallback=self.description)
