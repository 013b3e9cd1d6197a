from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.decorators import access_required
from core.pagination import CappedPaginator
from directory.forms import ServiceFilterForm
from directory.models import Officer, PartnerService
from directory.reference import REGISTRY


def _kind(slug):
    kind = REGISTRY.get(slug)
    if kind is None:
        raise Http404
    return kind


@access_required
def reference_list(request, kind):
    kind = _kind(kind)
    text = request.GET.get("q", "")
    page = CappedPaginator(kind.rows(text), 30).get_page(request.GET.get("page"))
    rows = [(row, [value(row) for _label, value in kind.columns]) for row in page]
    query = urlencode({"q": text}) if text else ""
    context = {"kind": kind, "kinds": REGISTRY.values(), "page": page, "rows": rows, "q": text, "query": query}
    template = "directory/_reference_rows.html" if request.htmx else "directory/reference_list.html"
    return render(request, template, context)


@access_required
def reference_create(request, kind):
    kind = _kind(kind)
    form = kind.form(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("directory:reference_list", kind=kind.slug)
    return render(request, "directory/reference_form.html", {"kind": kind, "form": form})


@access_required
def reference_edit(request, kind, pk):
    kind = _kind(kind)
    row = get_object_or_404(kind.model, pk=pk)
    form = kind.form(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("directory:reference_list", kind=kind.slug)
    return render(request, "directory/reference_form.html", {"kind": kind, "form": form, "row": row})


@access_required
def officer_search(request):
    """Autocomplete for forms: the ten best matches as a fragment of options."""
    officers = Officer.objects.active().search(request.GET.get("q", ""))[:10]
    return render(
        request, "directory/_officer_options.html", {"officers": officers, "field": request.GET.get("field", "officer")}
    )


@access_required
def service_list(request):
    """The victim services with their phone and hours: what an AC looks up at a scene."""
    form = ServiceFilterForm(request.GET or None)
    services = PartnerService.objects.active().select_related("kind", "commune")
    if form.is_valid():
        services = services.search(form.cleaned_data["q"])
        if form.cleaned_data["kind"]:
            services = services.filter(kind=form.cleaned_data["kind"])
        if form.cleaned_data["commune"]:
            services = services.filter(commune=form.cleaned_data["commune"])
    template = "directory/_service_rows.html" if request.htmx else "directory/service_list.html"
    return render(request, template, {"form": form, "services": services})
