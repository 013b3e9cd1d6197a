from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import Unaccent
from django.contrib.postgres.search import TrigramSimilarity
from django.db import models
from django.db.models import Q
from django.db.models.functions import Concat, Greatest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class SpokenLanguage(models.TextChoices):
    FR = "fr", _("French")
    NL = "nl", _("Dutch")
    EN = "en", _("English")
    OTHER = "other", _("Other language")


class ActiveQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Bilingual(models.Model):
    """Reference data named in both official languages of Brussels; English screens use French."""

    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_nl = models.CharField(_("name (Dutch)"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_in(get_language() or "fr")

    def name_in(self, language: str) -> str:
        return self.name_nl if (language or "").startswith("nl") else self.name_fr


class Commune(Bilingual):
    """Schaerbeek, Evere, Saint-Josse-ten-Noode, and "outside the zone" (loaded by a migration)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    postal_code = models.CharField(_("postal code"), max_length=4, blank=True)
    is_in_zone = models.BooleanField(_("in the zone"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ActiveQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "name_fr"]
        verbose_name = _("commune")
        verbose_name_plural = _("communes")


class PoliceUnit(Bilingual):
    """A service or station of the zone (intervention, a commissariat, EVA, dispatching…)."""

    code = models.CharField(_("short name"), max_length=20, unique=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ActiveQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("police unit")
        verbose_name_plural = _("police units")
        constraints = [
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__regex=r"^\+[1-9][0-9]{6,14}$"), name="unit_phone_e164"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class OfficerQuerySet(ActiveQuerySet):
    def search(self, text: str):
        """Officers whose name, registration number or unit matches ``text``, accent- and
        typo-tolerant (pg_trgm + unaccent), best matches first."""
        text = (text or "").strip()
        if not text:
            return self.none()
        name = Concat("first_name", models.Value(" "), "last_name")
        return (
            self.annotate(
                similarity=Greatest(
                    TrigramSimilarity(Unaccent(name), Unaccent(models.Value(text))),
                    TrigramSimilarity(Unaccent("last_name"), Unaccent(models.Value(text))),
                )
            )
            .filter(
                Q(similarity__gt=0.25)
                | Q(last_name__unaccent__icontains=text)
                | Q(first_name__unaccent__icontains=text)
                | Q(registration_number__iexact=text)
                | Q(unit__code__iexact=text)
                | Q(unit__name_fr__unaccent__icontains=text)
                | Q(unit__name_nl__unaccent__icontains=text)
            )
            .select_related("unit")
            .order_by("-similarity", "last_name", "first_name")
        )


class Officer(models.Model):
    class Grade(models.TextChoices):
        AGENT = "agent", _("Police agent")
        INSPECTOR = "inspector", _("Inspector")
        CHIEF_INSPECTOR = "chief_inspector", _("Chief inspector")
        COMMISSIONER = "commissioner", _("Commissioner")
        CHIEF_COMMISSIONER = "chief_commissioner", _("Chief commissioner")
        CIVILIAN = "civilian", _("Civilian staff (CALog)")

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    grade = models.CharField(_("grade"), max_length=20, choices=Grade.choices, default=Grade.INSPECTOR)
    registration_number = models.CharField(_("registration number"), max_length=20, blank=True)
    unit = models.ForeignKey(
        PoliceUnit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="officers"
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    languages = ArrayField(
        models.CharField(max_length=5, choices=SpokenLanguage.choices),
        verbose_name=_("languages"),
        default=list,
        blank=True,
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = OfficerQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("police officer")
        verbose_name_plural = _("police officers")
        constraints = [
            models.UniqueConstraint(
                fields=["registration_number"], condition=~Q(registration_number=""), name="officer_registration_unique"
            ),
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__regex=r"^\+[1-9][0-9]{6,14}$"), name="officer_phone_e164"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_grade_display()} {self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class PartnerServiceKind(Bilingual):
    """BAV, SAV, CAW slachtofferhulp, CPVS/ZSG… (loaded by a migration; the admin may add more)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "name_fr"]
        verbose_name = _("kind of service")
        verbose_name_plural = _("kinds of service")


class PartnerServiceQuerySet(ActiveQuerySet):
    def search(self, text: str):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(
            Q(name_fr__unaccent__icontains=text)
            | Q(name_nl__unaccent__icontains=text)
            | Q(kind__name_fr__unaccent__icontains=text)
            | Q(kind__name_nl__unaccent__icontains=text)
            | Q(kind__code__iexact=text)
        )


class PartnerService(Bilingual):
    """A second-line service the ACs refer victims to (orientation / doorverwijzing)."""

    class Language(models.TextChoices):
        FR = "fr", _("French")
        NL = "nl", _("Dutch")

    kind = models.ForeignKey(
        PartnerServiceKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="services"
    )
    commune = models.ForeignKey(
        Commune,
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="services",
        help_text=_("Leave empty for a service that covers the whole region."),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True, help_text=_("Referral sheets are sent to this address."))
    hours = models.CharField(_("opening hours"), max_length=300, blank=True)
    language = models.CharField(
        _("working language"),
        max_length=2,
        choices=Language.choices,
        default=Language.FR,
        help_text=_("Documents sent to the service are written in this language."),
    )
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = PartnerServiceQuerySet.as_manager()

    class Meta:
        ordering = ["kind__sort_order", "name_fr"]
        verbose_name = _("victim service")
        verbose_name_plural = _("victim services")
        constraints = [
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__regex=r"^\+[1-9][0-9]{6,14}$"), name="service_phone_e164"
            ),
        ]
