"""Every form and filter of the project, built and rendered: the empty choice reads "—", never
Django's "---------"; and every form stands on core.forms (its FormHelper, the "—")."""

import importlib
import pkgutil
from datetime import timedelta
from pathlib import Path

import django_filters
import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.test import RequestFactory
from django.utils import timezone

from core.forms import DJANGO_EMPTY_LABEL, ProjectFormMixin

pytestmark = pytest.mark.django_db


def _project_modules():
    for config in apps.get_app_configs():
        if Path(config.path).parent != settings.BASE_DIR:
            continue
        for module in pkgutil.walk_packages([config.path], prefix=f"{config.name}."):
            if ".tests" in module.name or ".migrations" in module.name or module.name.endswith(".bench"):
                continue
            yield importlib.import_module(module.name)


def _subclasses(base):
    for cls in base.__subclasses__():
        yield cls
        yield from _subclasses(cls)


def project_classes(base):
    modules = {module.__name__ for module in _project_modules()} - {"core.forms"}
    found = {cls for cls in _subclasses(base) if cls.__module__ in modules}
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__name__}")


# --- what a form needs to be built (a new form with required arguments gets an entry) ---------------------


def _user(*roles):
    from accounts.tests.factories import UserFactory

    return UserFactory(roles=list(roles) or ["assistant"])


def _shift():
    from oncall.tests.factories import ShiftFactory

    start = timezone.now() + timedelta(days=2)
    return ShiftFactory(starts_at=start, ends_at=start + timedelta(days=1))


def _span():
    start = timezone.now() + timedelta(days=2)
    return (start, start + timedelta(days=1))


def _callout():
    from victims.tests.factories import AcceptedCalloutFactory

    return AcceptedCalloutFactory()


def _person():
    from victims.tests.factories import PersonFactory

    return PersonFactory()


FORM_ARGS = {
    "notifications.forms.PreferenceForm": lambda: {"user": _user(), "preference": None},
    "oncall.forms.OverrideForm": lambda: {"shift": _shift()},
    "oncall.forms.SwapRequestForm": lambda: {"within": _span()},
    "oncall.forms.AbsenceForm": lambda: {"user": _user("admin")},
    "accounts.forms.SetPasswordForm": lambda: {"user": _user()},
    "accounts.forms.PasswordChangeForm": lambda: {"user": _user()},
    "victims.forms.ActionForm": lambda: {"callout": _callout()},
    "victims.forms.ReferralForm": lambda: {"person": _person(), "user": _user()},
}


def build(cls):
    name = f"{cls.__module__}.{cls.__qualname__}"
    kwargs = FORM_ARGS[name]() if name in FORM_ARGS else {}
    try:
        return cls(**kwargs)
    except TypeError as exc:
        pytest.fail(f"{name} cannot be built without arguments ({exc}): add an entry to FORM_ARGS")


FORMS = project_classes(forms.BaseForm)
FILTERS = project_classes(django_filters.FilterSet)


def test_the_project_has_forms_and_filters_to_walk():
    names = {cls.__name__ for cls in FORMS + FILTERS}
    assert {"CalloutForm", "PersonForm", "UserForm", "RotationForm", "CalloutFilter"} <= names


@pytest.mark.parametrize("cls", FORMS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_a_form_shows_the_empty_choice_as_a_dash(cls):
    form = build(cls)

    html = str(form)

    assert DJANGO_EMPTY_LABEL not in html


@pytest.mark.parametrize("cls", FORMS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_a_form_stands_on_the_project_base_and_its_layout_holds_every_field(cls):
    form = build(cls)

    assert isinstance(form, ProjectFormMixin), f"{cls.__name__} does not stand on core.forms.Form or ModelForm"
    assert form.helper.form_tag is False
    in_layout = [pointer.name for pointer in form.helper.layout.get_field_names()]
    assert sorted(in_layout) == sorted(form.fields), "the layout must place every field of the form, once"


@pytest.mark.parametrize("cls", FILTERS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_a_filter_shows_the_empty_choice_as_a_dash(cls):
    request = RequestFactory().get("/")
    request.user = _user("admin")
    queryset = cls._meta.model.objects.none() if cls._meta.model else None

    html = str(cls(None, queryset=queryset, request=request).form)

    assert DJANGO_EMPTY_LABEL not in html
