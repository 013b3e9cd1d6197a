from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.models import User
from core import forms as core_forms
from oncall.models import Absence, Layer, Rotation, Shift

MAX_MEMBERS = 8
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_FORMAT, **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def local_datetime_field(label, **kwargs) -> forms.DateTimeField:
    # Django reads the typed time in Europe/Brussels and refuses a time the spring change skips.
    return forms.DateTimeField(label=label, widget=DateTimeInput(), input_formats=[DATETIME_FORMAT], **kwargs)


def assistants():
    return User.objects.active().with_role(roles.ASSISTANT).order_by("full_name")


class AssistantChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name


class SpanForm(core_forms.Form):
    """A [from, until) span; the view passes the bounds it must stay within."""

    starts_at = local_datetime_field(_("From"))
    ends_at = local_datetime_field(_("Until"))

    def __init__(self, *args, within=None, **kwargs):
        self.within = within
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end:
            if end <= start:
                self.add_error("ends_at", _("The end must be after the start."))
            elif self.within and not (self.within[0] <= start and end <= self.within[1]):
                self.add_error(
                    "starts_at",
                    _("Stay within the shift: from %(start)s until %(end)s.")
                    % {
                        "start": timezone.localtime(self.within[0]).strftime("%d/%m/%Y %H:%M"),
                        "end": timezone.localtime(self.within[1]).strftime("%d/%m/%Y %H:%M"),
                    },
                )
        return data


class OverrideForm(SpanForm):
    to = AssistantChoiceField(label=_("Colleague who takes over"), queryset=User.objects.none())
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, shift: Shift, **kwargs):
        super().__init__(*args, within=(shift.starts_at, shift.ends_at), **kwargs)
        self.fields["to"].queryset = assistants().exclude(pk=shift.assistant_id)


class SwapRequestForm(SpanForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Colleagues see it, for example: family event, training."),
    )


class RotationForm(core_forms.ModelForm):
    class Meta:
        model = Rotation
        fields = [
            "name",
            "layer",
            "shift_hours",
            "handover_weekday",
            "handover_time",
            "start_date",
            "restriction",
            "restriction_starts",
            "restriction_ends",
            "is_active",
        ]
        widgets = {
            "handover_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "restriction_starts": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "restriction_ends": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "start_date": DateInput(),
        }
        help_texts = {
            "start_date": _("The first shift starts on this day (or the next handover day) at the handover time."),
        }
        labels = {"restriction_starts": _("Covered from"), "restriction_ends": _("Covered until")}

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.ordered_members() if self.instance.pk else []
        for index in range(MAX_MEMBERS):
            name = f"member_{index + 1}"
            self.fields[name] = AssistantChoiceField(
                label=_("Assistant no. %(number)s") % {"number": index + 1},
                queryset=assistants(),
                required=index == 0,
                empty_label="—",
            )
            if index < len(current):
                self.initial[name] = current[index].pk
        self.editing = editing
        if editing:
            self.fields["apply_from"] = forms.DateField(
                label=_("Apply the changes from"),
                widget=DateInput(),
                initial=timezone.localdate,
                help_text=_("Shifts before this day stay as they are: they are the rota's history."),
            )

    def member_fields(self):
        return [self[f"member_{index + 1}"] for index in range(MAX_MEMBERS)]

    def clean(self):
        data = super().clean()
        chosen = [data.get(f"member_{i + 1}") for i in range(MAX_MEMBERS)]
        members = [user for user in chosen if user]
        if len({user.pk for user in members}) != len(members):
            self.add_error("member_1", _("Each assistant may appear only once in the rotation."))
        data["members"] = members
        if self.editing and data.get("apply_from") and data["apply_from"] < timezone.localdate():
            self.add_error("apply_from", _("Choose today or a later day: the past stays as it was."))
        if data.get("restriction") and data.get("restriction_starts") == data.get("restriction_ends"):
            self.add_error("restriction_ends", _("The window must not start and end at the same time."))
        return data


class GenerateForm(core_forms.Form):
    from_date = forms.DateField(label=_("From"), widget=DateInput())
    weeks = forms.IntegerField(label=_("Number of weeks"), min_value=1, max_value=104, initial=9)

    def clean_from_date(self):
        value = self.cleaned_data["from_date"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day: the past stays as it was."))
        return value


class ShiftForm(core_forms.ModelForm):
    """A manual shift: the ModelForm validates the database's exclusion constraints too."""

    class Meta:
        model = Shift
        fields = ["assistant", "role", "starts_at", "ends_at", "note"]
        field_classes = {"assistant": AssistantChoiceField}
        widgets = {"starts_at": DateTimeInput(), "ends_at": DateTimeInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assistant"].queryset = assistants()
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = [DATETIME_FORMAT]
        self.instance.source = Shift.Source.MANUAL

    def _get_validation_exclusions(self):
        # The exclusion constraints only count live shifts (condition on superseded_at, always empty
        # on a new shift): keep that field in the validation so Django can evaluate the condition.
        return super()._get_validation_exclusions() - {"superseded_at"}


class AbsenceForm(core_forms.ModelForm):
    class Meta:
        model = Absence
        fields = ["assistant", "kind", "starts_at", "ends_at", "note"]
        field_classes = {"assistant": AssistantChoiceField}
        widgets = {"starts_at": DateTimeInput(), "ends_at": DateTimeInput()}
        help_texts = {"note": _("Optional. Do not write medical details.")}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assistant"].queryset = assistants()
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = [DATETIME_FORMAT]
        if not user.has_role(roles.ADMIN):
            # An assistant records their own absence only.
            del self.fields["assistant"]
            self.instance.assistant = user
        else:
            self.fields["assistant"].initial = user.pk if user.has_role(roles.ASSISTANT) else None


class FairnessForm(core_forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("Until (included)"), widget=DateInput())

    @staticmethod
    def defaults() -> dict:
        today = timezone.localdate()
        return {"start": date(today.year, 1, 1), "end": today}

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end"):
            if data["end"] < data["start"]:
                self.add_error("end", _("The end must be after the start."))
            elif data["end"] - data["start"] > timedelta(days=3 * 366):
                self.add_error("end", _("Choose a period of at most three years."))
        return data


class ApiTokenForm(core_forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("Which system uses it, e.g. dispatch CAD."))


LAYER_CHOICES = Layer.choices
