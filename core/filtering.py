"""What every django-filter FilterSet of the project shares."""


class FormClassBuiltOnce:
    """django-filter builds a FilterSet's form fields and form class again on every request (a
    fraction of a millisecond on a list read against a budget of a few). Put first in the bases,
    this builds them once per FilterSet class: labels stay lazy (translated when shown) and
    callable choices are read when the form renders. Choices read from the database in __init__
    go on each form's own fields (``self.form.fields[name].choices``), never on the shared class."""

    def get_form_class(self):
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = super().get_form_class()
        return cls._form_class
