"""A FilterSet's form class is built once; what one form gets does not leak into the next."""

import django_filters
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.filtering import FormClassBuiltOnce
from victims.models import Callout


class StatusFilter(FormClassBuiltOnce, django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Callout.Status.choices, empty_label=_("All"))

    class Meta:
        model = Callout
        fields = ["status"]


def test_the_form_class_is_built_once_and_each_form_keeps_its_own_choices():
    first = StatusFilter({"status": "closed"}, queryset=Callout.objects.none())
    first.form.fields["status"].choices = [("closed", "Closed only")]
    second = StatusFilter(None, queryset=Callout.objects.none())

    assert type(first.form) is type(second.form)
    assert [value for value, _label in second.form.fields["status"].choices] == [
        "",
        *(value for value, _label in Callout.Status.choices),
    ]


def test_labels_stay_translatable():
    with translation.override("nl"):
        dutch = str(StatusFilter(None, queryset=Callout.objects.none()).form["status"].label)
    with translation.override("fr"):
        french = str(StatusFilter(None, queryset=Callout.objects.none()).form["status"].label)
    assert (dutch, french) == ("Status", "Statut")
