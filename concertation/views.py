import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts.decorators import access_required
from concertation.tasks import HEARTBEAT_KEY
from core.middleware import logger


@access_required
@never_cache
@transaction.non_atomic_requests  # opening the request's transaction would fail first when the database is down
def healthz(request):
    """For the load balancer and monitoring: no sign-in, no data, 503 when a part is down."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:  # noqa: BLE001 - any failure means down
        checks["database"] = "down"
    try:
        beat = cache.get(HEARTBEAT_KEY)
        checks["redis"] = "ok"
        age = time.time() - beat if beat else None
        checks["worker"] = "ok" if age is not None and age <= settings.HEARTBEAT_MAX_AGE else "down"
    except Exception:  # noqa: BLE001
        checks["redis"] = "down"
        checks["worker"] = "unknown"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "down", **checks}, status=200 if healthy else 503)


def _error_page(request, template, status, **context):
    # Rendered without the request context: the database or a context processor may be what failed.
    body = loader.get_template(template).render({"request_path": request.path, **context})
    return HttpResponse(body, status=status)


def bad_request(request, exception=None):
    return _error_page(request, "400.html", 400)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    reference = getattr(request, "error_reference", None)
    if reference is None:
        # Raised outside a view (a middleware, a response check): not seen by ErrorReferenceMiddleware.
        reference = secrets.token_hex(4).upper()
        logger.error("Unhandled error, reference %s, %s %s", reference, request.method, request.path, exc_info=True)
    return _error_page(request, "500.html", 500, reference=reference, message=_("Something went wrong on our side."))
