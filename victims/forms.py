"""Forms of the victims app. They validate; views and services act."""

import re
import uuid
import zoneinfo
from datetime import UTC, date, datetime, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts import roles
from accounts.fields import PhoneField
from core import forms as core_forms
from directory.models import Commune, Officer, PartnerService, PoliceUnit
from victims.models import AssistanceAction, Callout, CoachedOfficer, FollowUp, IncidentCategory, Involvement, Person

User = get_user_model()

# --- times: wall-clock Brussels times, DST-aware --------------------------------------------------------


# The bounds of every date and time typed in these forms: nothing this service records happened
# before 2000, and a time "now" typed on a phone whose clock runs a little fast is still now.
EARLIEST = datetime(2000, 1, 1)
FUTURE_TOLERANCE = timedelta(minutes=5)


def within_service_years(value: date) -> None:
    """A date filter's bound: from 2000 to the end of next year (beyond, date arithmetic overflows
    and no record can match)."""
    latest = date(timezone.localdate().year + 1, 12, 31)
    if not EARLIEST.date() <= value <= latest:
        raise forms.ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s."),
            code="out_of_range",
            params={
                "earliest": date_format(EARLIEST.date(), "SHORT_DATE_FORMAT"),
                "latest": date_format(latest, "SHORT_DATE_FORMAT"),
            },
        )


class WallClockField(forms.DateTimeField):
    """A date and time as people read it on a Brussels clock (no time zone typed).

    Parsing gives a naive value; the form turns it into an aware one with ``resolve_wall_clock``,
    which knows the neighbouring times: in the night the clocks go back, 02:30 happens twice and
    the right one is the one that keeps the times in order.
    """

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]
    default_error_messages = {
        "too_early": _("Check the year: enter a time from %(earliest)s on."),
        "future": _("This time is in the future: enter a time that has passed."),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
        value = str(value).strip()
        for fmt in self.input_formats:
            try:
                return datetime.strptime(value, fmt)
            except ValueError:
                continue
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")

    def validate(self, value):
        """Everything these fields record has happened: a time before EARLIEST (a year typed wrong)
        or more than FUTURE_TOLERANCE ahead (a phone's clock a few minutes fast is fine) is refused
        here, before anything converts it (year 1 or 9999 overflow the time-zone arithmetic)."""
        super().validate(value)
        if value is None:
            return
        if value < EARLIEST:
            raise forms.ValidationError(
                self.error_messages["too_early"],
                code="too_early",
                params={"earliest": date_format(EARLIEST.date(), "SHORT_DATE_FORMAT")},
            )
        if value > timezone.localtime().replace(tzinfo=None) + FUTURE_TOLERANCE:
            raise forms.ValidationError(self.error_messages["future"], code="future")

    def prepare_value(self, value):
        if isinstance(value, datetime) and timezone.is_aware(value):
            return timezone.localtime(value).replace(tzinfo=None)
        return value


def wall_clock_candidates(naive: datetime) -> list[datetime]:
    """The instants a Brussels wall-clock time designates: one, two (clocks going back) or none
    (the hour skipped when clocks go forward)."""
    tz = zoneinfo.ZoneInfo("Europe/Brussels")
    found = []
    for fold in (0, 1):
        aware = naive.replace(tzinfo=tz, fold=fold)
        back = aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        if back == naive and all(aware.utcoffset() != other.utcoffset() for other in found):
            found.append(aware)
    return found


def resolve_wall_clock(naive: datetime, *, original: datetime | None = None, after: datetime | None = None):
    """The aware datetime for ``naive``: the ``original`` value when the field was not changed,
    else the designated instant (the first that is not before ``after`` when it is ambiguous).
    Raises ValidationError for a time that does not exist."""
    if original is not None and timezone.localtime(original).replace(tzinfo=None, second=0, microsecond=0) == naive:
        return original
    # Compared and returned in UTC: Python compares and subtracts two datetimes that share a
    # tzinfo by their wall-clock fields, ignoring ``fold`` — wrong exactly in the repeated hour.
    candidates = [candidate.astimezone(UTC) for candidate in wall_clock_candidates(naive)]
    if not candidates:
        raise forms.ValidationError(
            _("This time does not exist in Brussels: the clocks went forward from 02:00 to 03:00 that night."),
            code="nonexistent",
        )
    if after is not None:
        after = after.astimezone(UTC)
        for candidate in candidates:
            if candidate >= after:
                return candidate
    return candidates[0]


# --- PV numbers -----------------------------------------------------------------------------------------

# A Belgian police report (procès-verbal / proces-verbaal) number reads like BR.55.L7.012345/2026:
# judicial district (2 letters), police-zone section (2 digits), issuing service (1–4 letters or
# digits), a sequence number (up to 6 digits, written zero-padded) and the year (2 or 4 digits).
# People type it with spaces, dashes or lower case: we accept those separators and store the
# canonical form. Anything else is refused with an example.
PV_PATTERN = re.compile(
    r"^(?P<district>[A-Z]{2})[.\s-]*(?P<section>\d{2})[.\s-]*(?P<service>[A-Z0-9]{1,4})[.\s-]+"
    r"(?P<number>\d{1,6})\s*/\s*(?P<year>\d{2}|\d{4})$"
)


def normalise_pv(value: str, *, today: date | None = None) -> str:
    """'br 55 l7 12345/26' → 'BR.55.L7.012345/2026'. Raises ValueError when it is not a PV number."""
    value = (value or "").strip().upper()
    if not value:
        return ""
    match = PV_PATTERN.match(value)
    if not match:
        raise ValueError(value)
    year = int(match["year"])
    if year < 100:
        year += 2000
    today = today or timezone.localdate()
    if not 1990 <= year <= today.year + 1:
        raise ValueError(value)
    return f"{match['district']}.{match['section']}.{match['service']}.{int(match['number']):06d}/{year}"


class PVNumberField(forms.CharField):
    default_error_messages = {
        "invalid": _("Enter a police report number like BR.55.L7.012345/2026."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "autocapitalize": "characters", "spellcheck": "false"}

    def to_python(self, value):
        value = super().to_python(value)
        try:
            return normalise_pv(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


# --- callouts -------------------------------------------------------------------------------------------------


class OfficerChoiceMixin(core_forms.Form):
    """The requesting officer: picked from the directory (autocomplete) or typed as free text."""

    requesting_officer = forms.ModelChoiceField(
        queryset=Officer.objects.active(), required=False, widget=forms.HiddenInput
    )
    requesting_officer_text = forms.CharField(
        label=_("Requesting officer"),
        required=False,
        max_length=150,
        help_text=_("Type a name: pick it from the directory, or leave it as typed."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-officer-search": "requesting_officer"}),
    )

    def _init_officer(self, instance):
        if instance is not None and instance.pk:
            if instance.requesting_officer_id:
                officer = instance.requesting_officer
                self.initial.setdefault("requesting_officer", officer.pk)
                label = officer.full_name + (f" ({officer.unit.code})" if officer.unit_id else "")
                self.initial.setdefault("requesting_officer_text", label)
            else:
                self.initial.setdefault("requesting_officer_text", instance.requesting_officer_name)

    def officer_fields(self) -> dict:
        officer = self.cleaned_data.get("requesting_officer")
        text = (self.cleaned_data.get("requesting_officer_text") or "").strip()
        fields = {"requesting_officer": officer, "requesting_officer_name": "" if officer else text}
        if officer is not None and officer.unit_id and not self.cleaned_data.get("requesting_unit"):
            fields["requesting_unit"] = officer.unit  # picked from the directory: their unit too
        return fields


def _category_field():
    return forms.ModelChoiceField(
        label=_("Incident category"), queryset=IncidentCategory.objects.filter(is_active=True), empty_label="—"
    )


def _commune_field(**kwargs):
    return forms.ModelChoiceField(label=_("Commune"), queryset=Commune.objects.active(), empty_label="—", **kwargs)


class IdempotentForm(core_forms.Form):
    """A hidden token made when the form is shown: the same form saved twice creates one record."""

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("idempotency_key", uuid.uuid4())


class PageForm(IdempotentForm, OfficerChoiceMixin):
    """Dispatch pages the on-call AC: what is known in the first minute."""

    category = _category_field()
    commune = _commune_field()
    place = forms.CharField(
        label=_("Place"), max_length=300, required=False, help_text=_("Street and number, or landmark.")
    )
    requesting_unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=PoliceUnit.objects.active(), required=False, empty_label="—"
    )
    callback_phone = PhoneField(label=_("Call-back number"), required=False)
    context = forms.CharField(
        label=_("A line of context"),
        max_length=300,
        required=False,
        help_text=_("No names: the message goes out by SMS."),
    )
    pv_number = PVNumberField(label=_("Police report number (PV)"), help_text=_("If there is one already."))

    field_order = [
        "category",
        "commune",
        "place",
        "requesting_officer_text",
        "requesting_unit",
        "callback_phone",
        "context",
        "pv_number",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["callback_phone"].widget.attrs["data-phone-for"] = "requesting_officer"

    def callout_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "category": data["category"],
            "commune": data["commune"],
            "place": data["place"],
            "requesting_unit": data["requesting_unit"],
            "callback_phone": data["callback_phone"],
            "context": data["context"],
            "pv_number": data["pv_number"],
            **self.officer_fields(),
        }


class CalloutTimesMixin:
    """Checks the order received ≤ departed ≤ arrived ≤ ended and turns wall-clock times into
    aware ones (see resolve_wall_clock)."""

    TIME_FIELDS = ["received_at", "departed_at", "arrived_at", "ended_at"]

    def clean_times(self, instance):
        resolved = {}
        previous = None
        for name in self.TIME_FIELDS:
            if name not in self.fields:
                continue
            naive = self.cleaned_data.get(name)
            if naive is None:
                resolved[name] = None
                continue
            original = getattr(instance, name, None) if instance is not None else None
            try:
                value = resolve_wall_clock(naive, original=original, after=previous)
            except forms.ValidationError as error:
                self.add_error(name, error)
                continue
            resolved[name] = value
            if previous is not None and value < previous:
                self.add_error(name, _("This time is before the previous step: received ≤ departed ≤ arrived ≤ ended."))
            previous = value
        for name, value in resolved.items():
            self.cleaned_data[name] = value
        return resolved


class OpenCalloutForm(CalloutTimesMixin, IdempotentForm, OfficerChoiceMixin):
    """An AC logs a callout taken directly: only the time, the category and the commune are needed."""

    TIME_FIELDS = ["received_at"]

    received_at = WallClockField(label=_("Call received"))
    category = _category_field()
    commune = _commune_field()
    channel = forms.ChoiceField(
        label=_("Received through"),
        choices=[choice for choice in Callout.Channel.choices if choice[0] != Callout.Channel.PAGE],
        initial=Callout.Channel.DUTY_PHONE,
    )
    mode = forms.ChoiceField(label=_("Mode"), choices=[("", "—"), *Callout.Mode.choices], required=False)
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    requesting_unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=PoliceUnit.objects.active(), required=False, empty_label="—"
    )
    callback_phone = PhoneField(label=_("Call-back number"), required=False)

    field_order = [
        "received_at",
        "category",
        "commune",
        "channel",
        "mode",
        "place",
        "requesting_officer_text",
        "requesting_unit",
        "callback_phone",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("received_at", timezone.localtime().replace(second=0, microsecond=0))
        self.fields["callback_phone"].widget.attrs["data-phone-for"] = "requesting_officer"

    def clean(self):
        super().clean()
        self.clean_times(None)
        return self.cleaned_data

    def callout_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "received_at": data["received_at"],
            "category": data["category"],
            "commune": data["commune"],
            "channel": data["channel"],
            "mode": data["mode"],
            "place": data["place"],
            "requesting_unit": data["requesting_unit"],
            "callback_phone": data["callback_phone"],
            **self.officer_fields(),
        }


class CalloutForm(CalloutTimesMixin, OfficerChoiceMixin, core_forms.ModelForm):
    """Completing or correcting a callout; ``version`` detects a colleague's save in between."""

    received_at = WallClockField(label=_("Call received"))
    departed_at = WallClockField(label=_("Departed"), required=False)
    arrived_at = WallClockField(label=_("Arrived"), required=False)
    ended_at = WallClockField(label=_("Ended"), required=False)
    pv_number = PVNumberField(label=_("Police report number (PV)"))
    callback_phone = PhoneField(label=_("Call-back number"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    # Statuses that need a time: it may be corrected, not removed.
    REQUIRED_BY_STATUS = {
        "departed_at": [Callout.Status.EN_ROUTE],
        "arrived_at": [Callout.Status.ON_SCENE],
        "ended_at": [Callout.Status.CLOSED],
    }

    class Meta:
        model = Callout
        fields = [
            "summary",
            "mode",
            "category",
            "commune",
            "place",
            "context",
            "pv_number",
            "requesting_unit",
            "callback_phone",
            "received_at",
            "departed_at",
            "arrived_at",
            "ended_at",
            "debrief_needed",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "context": forms.TextInput(),
        }

    field_order = [
        "summary",
        "mode",
        "category",
        "commune",
        "place",
        "context",
        "pv_number",
        "requesting_officer_text",
        "requesting_unit",
        "callback_phone",
        "received_at",
        "departed_at",
        "arrived_at",
        "ended_at",
        "debrief_needed",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_officer(self.instance)
        self.initial.setdefault("version", self.instance.version)
        self.fields["category"].queryset = IncidentCategory.objects.filter(
            is_active=True
        ) | IncidentCategory.objects.filter(pk=self.instance.category_id)
        self.fields["commune"].queryset = Commune.objects.active() | Commune.objects.filter(pk=self.instance.commune_id)
        self.fields["requesting_unit"].queryset = PoliceUnit.objects.active()
        self.fields["requesting_unit"].empty_label = "—"
        self.fields["mode"].choices = [("", "—"), *Callout.Mode.choices]
        self.fields["callback_phone"].widget.attrs["data-phone-for"] = "requesting_officer"
        self.fields["summary"].help_text = _(
            "What happened and what you did. Visible to the ACs, never to the chefs de corps."
        )
        self.fields["debrief_needed"].help_text = _(
            "For your own well-being after a hard callout: the coordination sees that a debrief is pending, not why."
        )
        self._original_times = {name: getattr(self.instance, name) for name in self.TIME_FIELDS}

    def clean(self):
        super().clean()
        for name, statuses in self.REQUIRED_BY_STATUS.items():
            if self.instance.status in statuses and name in self.cleaned_data and self.cleaned_data[name] is None:
                self.add_error(name, _("This time cannot be removed at this stage of the callout."))
        resolved = self.clean_times(self.instance)
        accepted = self.instance.accepted_at
        received = resolved.get("received_at")
        if accepted and received and received > accepted:
            self.add_error("received_at", _("The call cannot be received after it was accepted."))
        return self.cleaned_data

    def save(self, commit=True):
        callout = super().save(commit=False)
        fields = self.officer_fields()
        callout.requesting_officer = fields["requesting_officer"]
        callout.requesting_officer_name = fields["requesting_officer_name"]
        if "requesting_unit" in fields:
            callout.requesting_unit = fields["requesting_unit"]
        if commit:
            callout.save()
        return callout

    def changed_for_journal(self) -> list[str]:
        return [name for name in self.changed_data if name not in ("version",)]


class ExportForm(core_forms.Form):
    """The file format of the callout list's export (the filters are the list's own)."""

    format = forms.ChoiceField(choices=[("csv", "CSV"), ("xlsx", "Excel")], required=False)


class ReferralListForm(core_forms.Form):
    show = forms.ChoiceField(choices=[("", _("Waiting")), ("all", pgettext_lazy("referrals", "All"))], required=False)


class FollowUpListForm(core_forms.Form):
    all = forms.ChoiceField(choices=[("", _("Mine only")), ("1", _("Everyone's"))], required=False)


class StepForm(core_forms.Form):
    """A lifecycle button: only the step is posted."""

    step = forms.ChoiceField(choices=[(name, name) for name in ("accept", "en_route", "on_scene", "close", "cancel")])


# --- persons ----------------------------------------------------------------------------------------------------


class PersonForm(core_forms.ModelForm):
    phone = PhoneField(label=_("Phone"), required=False)
    vulnerabilities = forms.MultipleChoiceField(
        label=_("Vulnerability"),
        choices=Person.Vulnerability.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    consent_contact = forms.BooleanField(label=_("Agrees to be contacted"), required=False)
    consent_referral = forms.BooleanField(
        label=_("Agrees to be referred to a victim service"),
        required=False,
        help_text=_("Recorded with today's date and your name."),
    )

    class Meta:
        model = Person
        fields = [
            "first_name",
            "last_name",
            "birth_year",
            "age_band",
            "is_minor",
            "language",
            "language_other",
            "needs_interpreter",
            "phone",
            "email",
            "address",
            "commune",
            "vulnerabilities",
            "notes",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "birth_year": forms.NumberInput(attrs={"inputmode": "numeric", "min": 1900}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = Commune.objects.active()
        self.fields["commune"].empty_label = "—"
        self.fields["age_band"].choices = [("", "—"), *Person.AgeBand.choices]
        self.fields["first_name"].widget.attrs["autocomplete"] = "off"
        self.fields["last_name"].widget.attrs["autocomplete"] = "off"
        self.initial.setdefault("consent_contact", self.instance.consent_contact)
        self.initial.setdefault("consent_referral", self.instance.consent_referral)

    def clean_birth_year(self):
        year = self.cleaned_data.get("birth_year")
        if year is not None and not 1900 <= year <= timezone.localdate().year:
            raise forms.ValidationError(_("Enter a birth year between 1900 and this year."), code="range")
        return year

    def clean(self):
        data = super().clean()
        if data.get("language") == Person.Language.OTHER and not (data.get("language_other") or "").strip():
            self.add_error("language_other", _("Which language?"))
        year = data.get("birth_year")
        if year:
            age = timezone.localdate().year - year
            data["is_minor"] = age < 18
            if not data.get("age_band"):
                for band, upper in (("0-11", 11), ("12-17", 17), ("18-29", 29), ("30-49", 49), ("50-64", 64)):
                    if age <= upper:
                        data["age_band"] = band
                        break
                else:
                    data["age_band"] = "65+"
        elif data.get("age_band") in ("0-11", "12-17"):
            data["is_minor"] = True
        return data

    def save_with_consents(self, *, by) -> Person:
        person = self.save(commit=False)
        person.age_band = self.cleaned_data.get("age_band") or ""
        person.is_minor = self.cleaned_data.get("is_minor", False)
        person.record_consent("contact", self.cleaned_data["consent_contact"], by=by)
        person.record_consent("referral", self.cleaned_data["consent_referral"], by=by)
        if person.pk is None:
            person.created_by = by
        person.save()
        return person


class InvolvementForm(PersonForm):
    """A person added to a callout: the person's data plus their role in this callout."""

    role = forms.ChoiceField(label=_("Role in this callout"), choices=Involvement.Role.choices)
    # Set by the duplicate check: the known person chosen, or "new" to create one anyway.
    existing = forms.CharField(required=False, widget=forms.HiddenInput)

    field_order = ["role", "first_name", "last_name", "birth_year"]

    def clean_existing(self):
        value = (self.cleaned_data.get("existing") or "").strip()
        if value and value != "new":
            try:
                uuid.UUID(value)
            except ValueError:
                raise forms.ValidationError(_("Choose a person from the list."), code="invalid") from None
        return value


class PersonSearchForm(core_forms.Form):
    q = forms.CharField(label=_("Name"), max_length=100, required=False)
    motif = forms.CharField(
        label=_("Reason for this search"),
        max_length=300,
        required=False,
        help_text=_("Required by law for a search by name; written in the access journal."),
    )

    def clean(self):
        data = super().clean()
        if (data.get("q") or "").strip() and len((data.get("motif") or "").strip()) < 5:
            self.add_error("motif", _("Give the reason for this search (at least 5 characters)."))
        return data


# --- help, coaching, follow-ups ------------------------------------------------------------------------------------


class ActionForm(core_forms.ModelForm):
    at = WallClockField(label=_("Time"))

    class Meta:
        model = AssistanceAction
        fields = ["kind", "person", "at", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, callout: Callout, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.filter(involvements__callout=callout).only(
            "pk", "first_name", "last_name"
        )
        self.fields["person"].empty_label = _("Everyone / the officers")
        self.fields["person"].label_from_instance = lambda person: person.display_name
        persons = list(self.fields["person"].queryset[:2])
        if len(persons) == 1:
            # Help given at a callout with one person is almost always given to that person.
            self.initial.setdefault("person", persons[0].pk)
        self.initial.setdefault("at", timezone.localtime().replace(second=0, microsecond=0))

    def clean_at(self):
        value = self.cleaned_data.get("at")
        return resolve_wall_clock(value) if value else value


class CoachingForm(core_forms.ModelForm):
    officer = forms.ModelChoiceField(queryset=Officer.objects.active(), required=False, widget=forms.HiddenInput)
    officer_text = forms.CharField(
        label=_("Officer"),
        max_length=150,
        required=False,
        help_text=_("Type a name: pick it from the directory, or leave it as typed."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    class Meta:
        model = CoachedOfficer
        fields = ["officer", "officer_text", "explained"]
        widgets = {"explained": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The autocomplete fills id_<prefix>-officer and id_<prefix>-officer_text (static/js).
        self.fields["officer_text"].widget.attrs["data-officer-search"] = self.add_prefix("officer")

    def clean(self):
        data = super().clean()
        text = (data.get("officer_text") or "").strip()
        if not data.get("officer") and not text:
            self.add_error("officer_text", _("Name the officer, or pick one from the directory."))
        self.instance.officer_name = "" if data.get("officer") else text
        return data


def staff_choices():
    return (
        User.objects.active()
        .filter(roles__code__in=[roles.ASSISTANT, roles.ADMIN])
        .distinct()
        .order_by("full_name")
        .only("pk", "full_name")
    )


class FollowUpForm(core_forms.ModelForm):
    class Meta:
        model = FollowUp
        fields = ["due_on", "assignee", "note"]
        widgets = {
            "due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff_choices()
        self.fields["assignee"].label_from_instance = lambda user: user.full_name
        if user is not None:
            self.initial.setdefault("assignee", user.pk)
        self.initial.setdefault("due_on", timezone.localdate() + timedelta(days=1))

    def clean_due_on(self):
        value = self.cleaned_data["due_on"]
        if value < timezone.localdate() - timedelta(days=1) or value.year > timezone.localdate().year + 5:
            raise forms.ValidationError(_("Choose a due date from today on."), code="range")
        return value


# --- referrals ------------------------------------------------------------------------------------------------------


class ReferralForm(core_forms.Form):
    service = forms.ModelChoiceField(
        label=_("Service"), queryset=PartnerService.objects.active(), widget=forms.RadioSelect, empty_label=None
    )
    message = forms.CharField(
        label=_("Message for the service"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "What the service needs to contact the person (best time to call, situation in one line). Printed on the sheet."
        ),
    )
    consent_now = forms.BooleanField(
        label=_("The person agrees to this referral"),
        required=False,
        help_text=_("Recorded on the person with today's date and your name."),
    )
    legal_basis = forms.CharField(
        label=_("Legal basis (without consent)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Coordination only: the legal ground for referring without the person's consent."),
    )
    motif = forms.CharField(label=_("Reason (access journal)"), required=False, max_length=300)

    def __init__(self, *args, person: Person, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        self.may_record_legal_basis = roles.can(user, "record_legal_basis")
        self.fields["service"].queryset = PartnerService.objects.active().select_related("kind", "commune")
        self.fields["service"].label_from_instance = lambda service: service.name
        if person.consent_referral:
            del self.fields["consent_now"]
        if person.consent_referral or not self.may_record_legal_basis:
            del self.fields["legal_basis"]
            del self.fields["motif"]

    def clean(self):
        data = super().clean()
        if self.person.consent_referral or data.get("consent_now"):
            data["legal_basis"] = ""
            return data
        legal_basis = (data.get("legal_basis") or "").strip()
        if self.may_record_legal_basis and legal_basis:
            if len((data.get("motif") or "").strip()) < 5:
                self.add_error("motif", _("Give the reason for referring without consent (at least 5 characters)."))
            return data
        message = (
            _("The person must agree to the referral, or the coordination must document a legal basis.")
            if self.may_record_legal_basis
            else _(
                "The person must agree to the referral. Without consent, only the coordination can refer, with a legal basis."
            )
        )
        self.add_error("consent_now" if "consent_now" in self.fields else None, message)
        return data


class ServiceAnswerForm(core_forms.Form):
    """What the service answers through its link."""

    status = forms.ChoiceField(label=_("Your answer"), widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note for the AC (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        from victims.models import Referral

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(status.value, status.label) for status in Referral.SERVICE_ANSWERS]


class ReferralAnswerForm(ServiceAnswerForm):
    """The AC records the service's answer (given by phone) or closes the referral."""

    def __init__(self, *args, **kwargs):
        from victims.models import Referral

        super().__init__(*args, **kwargs)
        self.fields["status"].label = _("Answer of the service")
        self.fields["status"].choices = [
            *self.fields["status"].choices,
            (Referral.Status.CLOSED.value, Referral.Status.CLOSED.label),
        ]
        self.fields["note"].label = _("Note")
