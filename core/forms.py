"""The base of every form of the project: its layout in a crispy FormHelper, and "—" as the empty
choice of every select.

    from core import forms as core_forms

    class AbsenceForm(core_forms.ModelForm):
        class Meta:
            model = Absence
            fields = ["kind", "starts_at", "ends_at", "note"]

        layout = Layout(Row(Column("starts_at"), Column("ends_at")), "kind", "note")   # optional

    {% load crispy_forms_tags %}
    <form method="post">{% csrf_token %}{% crispy form %}<button …>…</button></form>

The fields are listed once, in the form class (Meta.fields or declared fields); ``layout`` only
arranges them (without it, every field in order). The template holds the <form> tag and the
buttons (``form_tag`` is off), so a template never lists a form's fields by hand.
"""

from copy import deepcopy
from functools import partial

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.functional import cached_property
from django_filters.conf import settings as filter_settings

# Django's and django-filter's default empty choice; the project shows empty_label() instead.
DJANGO_EMPTY_LABEL = "---------"


def empty_label() -> str:
    """The project's empty choice: settings.FILTERS_EMPTY_CHOICE_LABEL, django-filter's own setting,
    so that forms and filters read one value."""
    return filter_settings.EMPTY_CHOICE_LABEL


def _dashed(choices):
    return [
        (value, empty_label() if value in ("", None) and text == DJANGO_EMPTY_LABEL else text)
        for value, text in choices
    ]


def dash_empty_choices(form) -> None:
    """Replace Django's "---------" by the project's empty label on every choice field of ``form``
    (the label of a ModelChoiceField, the blank choice of a model field with choices); an empty
    label a form chose itself ("All communes") stays."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField):
            if field.empty_label == DJANGO_EMPTY_LABEL:
                field.empty_label = empty_label()
        elif isinstance(field, forms.ChoiceField):
            # Read lazily: choices computed when the form renders stay so.
            field.choices = partial(_dashed, field.choices)


class ProjectFormMixin:
    """What every form of the project shares (put first in the bases)."""

    # A crispy Layout arranging the fields; None: every field, in the form's order.
    layout = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Fields a subclass adds after this (in its own __init__) give their empty label themselves:
        # empty_label=core.forms.empty_label() (the test of every form catches a "---------").
        dash_empty_choices(self)

    @cached_property
    def helper(self) -> FormHelper:
        """Built when the form is rendered, so it sees the fields a subclass adds in __init__."""
        helper = FormHelper(self)
        helper.form_tag = False  # the template writes <form>, its action and its buttons
        helper.disable_csrf = True  # and {% csrf_token %}
        if self.layout is not None:
            helper.layout = deepcopy(self.layout)  # crispy may annotate it while rendering
        return helper


class Form(ProjectFormMixin, forms.Form):
    pass


class ModelForm(ProjectFormMixin, forms.ModelForm):
    pass
