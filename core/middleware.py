import logging
import secrets

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.utils.cache import patch_cache_control

logger = logging.getLogger("concertation.errors")
EXPECTED = (Http404, PermissionDenied, BadRequest, SuspiciousOperation)


class ErrorReferenceMiddleware:
    """Give every unhandled error a short reference, logged with the traceback and shown on the 500
    page, so a user can quote it to IT without the page revealing anything."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, EXPECTED):
            return None  # a 404, 403 or 400 answered by its own page: not an error to investigate
        reference = secrets.token_hex(4).upper()
        request.error_reference = reference
        logger.error(
            "Unhandled error, reference %s, %s %s", reference, request.method, request.path, exc_info=exception
        )
        return None


class NoStoreMiddleware:
    """Pages may hold personal data: no browser or proxy may keep a copy (ASVS 14.3.2).

    Static files never reach this middleware (WhiteNoise answers them earlier) and keep their
    long-lived caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, no_cache=True, private=True, max_age=0)
        return response
