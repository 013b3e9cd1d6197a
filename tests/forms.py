"""The edit-form round trip: render an edit page, post back exactly what a browser would send
from it, and the object is unchanged; and every field of the form class is in the page.

    assert_round_trip(client, url, CalloutForm(instance=callout), [callout], ignore={"version"})

This is the check that catches a field added to a model and its form but forgotten in the page
(or the other way round): saving the page would wipe its stored value.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser

from django import forms
from django.db import models

SKIPPED_INPUTS = {"submit", "button", "reset", "image", "file"}


@dataclass
class RenderedForm:
    """One <form> of a page: every field name it holds, and what a browser submits from it."""

    method: str
    action: str
    names: set[str] = field(default_factory=set)
    data: list[tuple[str, str]] = field(default_factory=list)

    def as_post(self) -> dict[str, list[str]]:
        posted: dict[str, list[str]] = {}
        for name, value in self.data:
            posted.setdefault(name, []).append(value)
        return posted


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[RenderedForm] = []
        self._form = None
        self._select = None  # [name, multiple, options: [(value, selected)], disabled]
        self._option = None  # [value or None, text, selected]
        self._textarea = None  # [name, text, disabled]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = RenderedForm((attrs.get("method") or "get").lower(), attrs.get("action") or "")
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = attrs.get("name")
        disabled = "disabled" in attrs
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in SKIPPED_INPUTS:
                return
            self._form.names.add(name)
            if disabled:
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._form.data.append((name, attrs.get("value", "on")))
            else:
                self._form.data.append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            self._form.names.add(name)
            self._select = [name, "multiple" in attrs, [], disabled]
        elif tag == "option" and self._select is not None:
            self._option = [attrs.get("value"), "", "selected" in attrs]
        elif tag == "textarea" and name:
            self._form.names.add(name)
            self._textarea = [name, "", disabled]

    def handle_data(self, data):
        if self._option is not None:
            self._option[1] += data
        elif self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None:
            value, text, selected = self._option
            self._select[2].append((text.strip() if value is None else value, selected))
            self._option = None
        elif tag == "select" and self._select is not None:
            name, multiple, options, disabled = self._select
            chosen = [value for value, selected in options if selected]
            if not chosen and not multiple and options:
                chosen = [options[0][0]]  # a browser submits the first option of a plain select
            if not disabled:
                self._form.data += [(name, value) for value in (chosen if multiple else chosen[-1:])]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text, disabled = self._textarea
            if not disabled:
                # A browser drops one newline right after <textarea>, and sends CR LF line ends.
                self._form.data.append((name, text.removeprefix("\n").replace("\r\n", "\n").replace("\n", "\r\n")))
            self._textarea = None
        elif tag == "form":
            self._form = None


def page_forms(html: str) -> list[RenderedForm]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def html_names(form: forms.BaseForm) -> set[str]:
    """The names the form's fields take in HTML (a multi-widget field has one per part)."""
    names = set()
    for bound in form:
        widget = bound.field.widget
        if isinstance(widget, forms.MultiWidget):
            names |= {bound.html_name + suffix for suffix in widget.widgets_names}
        else:
            names.add(bound.html_name)
    return names


def snapshot(obj: models.Model, ignore=()) -> dict:
    """The stored state of ``obj``: every concrete field (auto_now ones aside) and many-to-many."""
    fresh = type(obj)._default_manager.get(pk=obj.pk)
    state = {
        f.attname: getattr(fresh, f.attname)
        for f in fresh._meta.concrete_fields
        if f.name not in ignore and not getattr(f, "auto_now", False)
    }
    for f in fresh._meta.many_to_many:
        if f.name not in ignore:
            state[f.name] = sorted(getattr(fresh, f.name).values_list("pk", flat=True))
    return state


def the_form(html: str, form: forms.BaseForm) -> RenderedForm:
    """The page's <form method="post"> that holds most of ``form``'s fields."""
    expected = html_names(form)
    posted = [rendered for rendered in page_forms(html) if rendered.method == "post"]
    assert posted, "no <form method=post> in the page"
    return max(posted, key=lambda rendered: len(rendered.names & expected))


def assert_every_field_in_page(html: str, form: forms.BaseForm) -> RenderedForm:
    rendered = the_form(html, form)
    missing = html_names(form) - rendered.names
    assert not missing, f"fields of {type(form).__name__} missing from the page: {sorted(missing)}"
    return rendered


def assert_round_trip(client, url: str, form: forms.BaseForm, objects, *, ignore=(), related=()):
    """Render ``url``, post back what it rendered: the response is a redirect (saved) and every one
    of ``objects`` (and what each function of ``related`` reads) is as before. ``form``: the form
    class as the view builds it, to know its fields."""
    page = client.get(url)
    assert page.status_code == 200, f"{url}: {page.status_code}"
    rendered = assert_every_field_in_page(page.content.decode(), form)
    before = [snapshot(obj, ignore) for obj in objects], [read() for read in related]

    response = client.post(url, rendered.as_post())

    shown = response.context.get("form") if response.context is not None else None
    errors = shown.errors.as_data() if shown is not None else None
    assert response.status_code in (301, 302, 303), f"posting back the page answered {response.status_code}: {errors}"
    after = [snapshot(obj, ignore) for obj in objects], [read() for read in related]
    changed = [
        (name, old[name], new.get(name))
        for old, new in zip(before[0], after[0], strict=True)
        for name in old
        if old[name] != new.get(name)
    ]
    assert not changed, f"posting back the rendered form changed (field, before, after): {changed}"
    assert after[1] == before[1], f"posting back the rendered form changed related rows: {before[1]} → {after[1]}"
    return response
