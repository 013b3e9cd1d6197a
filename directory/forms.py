from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.fields import PhoneField
from core import forms as core_forms
from directory.models import Commune, Officer, PartnerService, PartnerServiceKind, PoliceUnit, SpokenLanguage


class CommuneForm(core_forms.ModelForm):
    class Meta:
        model = Commune
        fields = ["name_fr", "name_nl", "code", "postal_code", "is_in_zone", "sort_order", "is_active"]

    def clean_postal_code(self):
        value = self.cleaned_data["postal_code"].strip()
        if value and (not value.isdigit() or len(value) != 4):
            raise forms.ValidationError(_("A Belgian postal code has 4 digits."), code="postal_code")
        return value


class PoliceUnitForm(core_forms.ModelForm):
    phone = PhoneField(label=_("Phone"), required=False)

    class Meta:
        model = PoliceUnit
        fields = ["code", "name_fr", "name_nl", "phone", "is_active"]


class OfficerForm(core_forms.ModelForm):
    phone = PhoneField(label=_("Phone"), required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=SpokenLanguage.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Officer
        fields = [
            "first_name",
            "last_name",
            "grade",
            "registration_number",
            "unit",
            "phone",
            "email",
            "languages",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = PoliceUnit.objects.active()

    def clean_registration_number(self):
        value = self.cleaned_data["registration_number"].strip().upper()
        if value and Officer.objects.filter(registration_number=value).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another officer has this registration number."), code="unique")
        return value


class PartnerServiceKindForm(core_forms.ModelForm):
    class Meta:
        model = PartnerServiceKind
        fields = ["name_fr", "name_nl", "code", "sort_order"]


class PartnerServiceForm(core_forms.ModelForm):
    phone = PhoneField(label=_("Phone"), required=False)

    class Meta:
        model = PartnerService
        fields = [
            "name_fr",
            "name_nl",
            "kind",
            "commune",
            "language",
            "address",
            "phone",
            "email",
            "hours",
            "notes",
            "is_active",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class ServiceFilterForm(core_forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ModelChoiceField(
        label=_("Kind"), queryset=PartnerServiceKind.objects.all(), required=False, empty_label=_("All kinds")
    )
    commune = forms.ModelChoiceField(
        label=_("Commune"), queryset=Commune.objects.active(), required=False, empty_label=_("All communes")
    )
