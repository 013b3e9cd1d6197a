"""SMS backends, chosen by ``settings.SMS_BACKEND``:

- ``console``: writes the message to the log (development, demo). The default.
- ``http``: POSTs JSON ``{"to": "+32470…", "text": "…", "reference": "…"}`` to ``SMS_GATEWAY_URL`` with
  ``Authorization: Bearer SMS_GATEWAY_TOKEN`` and an ``Idempotency-Key`` header (a gateway that
  honours it drops the duplicate of a retried message). 2xx = accepted; 5xx, 429, timeouts and
  network errors are transient (retried with backoff); other 4xx are permanent (a bad number).
- a dotted path to a class with ``send(to, text, *, reference) -> str`` (the benchmark's slow fake).
"""

import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A send that did not happen. ``transient`` ones are retried later; the others fail at once."""

    transient = True


class TransientError(DeliveryError):
    transient = True


class PermanentError(DeliveryError):
    transient = False


class ConsoleBackend:
    def send(self, to: str, text: str, *, reference: str) -> str:
        # The number's last digits only: the log is not a place for personal data.
        logger.info("SMS to …%s (%s, %d characters): %s", to[-3:], reference, len(text), text)
        return "console"


class HttpBackend:
    def __init__(self, url: str | None = None, token: str | None = None, timeout: float | None = None):
        self.url = url or settings.SMS_GATEWAY_URL
        self.token = token if token is not None else settings.SMS_GATEWAY_TOKEN
        self.timeout = timeout or getattr(settings, "SMS_GATEWAY_TIMEOUT", 10)

    def send(self, to: str, text: str, *, reference: str) -> str:
        body = json.dumps({"to": to, "text": text, "reference": reference}).encode()
        request = urllib.request.Request(self.url, data=body, method="POST")
        request.add_header("Content-Type", "application/json")
        request.add_header("Idempotency-Key", reference)
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - URL from settings
                answer = response.read(2000).decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            detail = exc.read(300).decode("utf-8", "replace").strip()
            message = f"SMS gateway answered HTTP {exc.code}{': ' + detail if detail else ''}"
            if exc.code >= 500 or exc.code in (408, 429):
                raise TransientError(message) from exc
            raise PermanentError(message) from exc
        except TimeoutError as exc:
            raise TransientError(f"SMS gateway did not answer within {self.timeout:g} s") from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                raise TransientError(f"SMS gateway did not answer within {self.timeout:g} s") from exc
            raise TransientError(f"SMS gateway unreachable: {reason}") from exc
        return answer[:200]


def get_backend():
    name = settings.SMS_BACKEND
    if name == "console":
        return ConsoleBackend()
    if name == "http":
        return HttpBackend()
    return import_string(name)()
