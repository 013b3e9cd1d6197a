import time

from django.conf import settings
from django.contrib import auth, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from accounts import journal
from accounts.decorators import redirect_to_login
from accounts.models import UserSession

# Session keys
AUTH_STARTED_AT = "auth_started_at"
LAST_SEEN_AT = "last_seen_at"
# Requests made by the page on its own (polling the bell) carry this header and do not count as
# activity, or an open tab would never reach the idle timeout.
BACKGROUND_HEADER = "HTTP_X_BACKGROUND"
# Write the activity stamp at most this often, not on every request.
ACTIVITY_RESOLUTION = 30


class SessionSecurityMiddleware:
    """Idle (30 min) and absolute (12 h) session limits, and no session without a second factor.

    Django has neither timeout built in. Deactivated users are refused by ModelBackend.get_user, so
    their next request arrives anonymous.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            now = time.time()
            session = request.session
            started = session.get(AUTH_STARTED_AT)
            last_seen = session.get(LAST_SEEN_AT, started)
            expired = None
            if not user.is_verified():
                expired = _("Please sign in again.")
            elif started is None or now - started > settings.SESSION_ABSOLUTE_TIMEOUT:
                expired = _("Your session reached its maximum length. Please sign in again.")
            elif last_seen is None or now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                expired = _("Your session expired after a period of inactivity. Please sign in again.")
            if expired:
                UserSession.objects.filter(session_key=session.session_key).delete()
                auth.logout(request)
                messages.info(request, expired)
                return redirect_to_login(request)
            if not request.META.get(BACKGROUND_HEADER) and (now - (last_seen or 0)) > ACTIVITY_RESOLUTION:
                session[LAST_SEEN_AT] = now
        return self.get_response(request)


class UserLanguageMiddleware:
    """A signed-in user sees the whole UI in the language of their profile."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.language and user.language != request.LANGUAGE_CODE:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        response = self.get_response(request)
        if user.is_authenticated and user.language:
            if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != user.language:
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    user.language,
                    max_age=365 * 24 * 3600,
                    secure=settings.LANGUAGE_COOKIE_SECURE,
                    httponly=True,
                    samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                )
        return response


class DeniedAccessJournalMiddleware:
    """Journal every refused access (HTTP 403).

    A view raises PermissionDenied inside the request's transaction, which then rolls back;
    process_exception runs after that rollback, so the entry is written in a transaction of its own
    and survives.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            with transaction.atomic():
                journal.record(
                    request, journal.DENIED, code="denied", params={"request": f"{request.method} {request.path}"[:300]}
                )
        return None
