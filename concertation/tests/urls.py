"""A test-only URLconf: the real one plus views that fail on purpose (``@pytest.mark.urls``)."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from accounts import journal
from accounts.models import User
from concertation.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def journal_then_fail(request):
    """Journal a consultation, then crash: the entry must roll back with the request."""
    journal.record(request, journal.VIEW, request.user)
    User.objects.filter(pk=request.user.pk).update(full_name="Changed before the crash")
    raise RuntimeError("boom: secret detail that must not reach the page")


def journal_then_refuse(request):
    """Journal a consultation, then refuse (an object-level check failing late)."""
    journal.record(request, journal.VIEW, request.user)
    raise PermissionDenied


def return_nothing(request):
    """A programming error Django itself detects after the view (no HttpResponse)."""
    return None


def not_found_in_view(request):
    from django.http import Http404

    raise Http404("no such record")


urlpatterns = [
    *urlpatterns,
    path("test/return-nothing/", return_nothing, name="test_return_nothing"),
    path("test/not-found/", not_found_in_view, name="test_not_found"),
    path("test/journal-then-fail/", journal_then_fail, name="test_journal_then_fail"),
    path("test/journal-then-refuse/", journal_then_refuse, name="test_journal_then_refuse"),
]
