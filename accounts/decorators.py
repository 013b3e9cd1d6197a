from functools import wraps
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, resolve_url

from accounts import roles


def redirect_to_login(request):
    login_url = resolve_url(settings.LOGIN_URL)
    target = f"{login_url}?next={quote(request.get_full_path())}"
    if request.headers.get("HX-Request") == "true":
        # A fragment request cannot follow a redirect to a full page: tell htmx to navigate.
        # (The header, not request.htmx: the session middleware answers before HtmxMiddleware runs.)
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


def access_required(view):
    """Check the roles table (accounts.roles.URL_ACCESS) for the URL name this view answers.

    Anonymous → the sign-in page; signed in without the role → 403 (journaled by
    DeniedAccessJournalMiddleware). A URL name missing from the table is refused: fail closed.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        url_name = request.resolver_match.view_name if request.resolver_match else None
        rule = roles.URL_ACCESS.get(url_name)
        if rule is None:
            raise ImproperlyConfigured(f"URL {url_name!r} has no entry in accounts.roles.URL_ACCESS")
        if rule != roles.PUBLIC and not request.user.is_authenticated:
            return redirect_to_login(request)
        if not roles.can_open(request.user, url_name):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapper.access_checked = True
    return wrapper
