"""Arguments for URL patterns that take some, used by the role × URL matrix test.

Each entry builds what the URL needs (with factories) and returns its kwargs. A URL with
parameters and no entry here fails the matrix test: add one when you add such a URL.
"""

from accounts.models import TrustedDevice, UserSession


def _user_pk():
    from accounts.tests.factories import UserFactory

    return {"pk": UserFactory().pk}


def _trusted_device():
    from accounts.tests.factories import UserFactory

    device, _token = TrustedDevice.issue(UserFactory(), label="test")
    return {"pk": device.pk}


def _session():
    from accounts.tests.factories import UserFactory

    return {"pk": UserSession.objects.create(user=UserFactory(), session_key="x" * 32).pk}


def _reference_row():
    from directory.models import Commune

    return {"kind": "communes", "pk": Commune.objects.first().pk}


def _notification():
    from accounts.tests.factories import UserFactory
    from notifications.tests.factories import NotificationFactory

    return {"pk": NotificationFactory(recipient=UserFactory(), status="failed").pk}


SAMPLES = {
    "accounts:password_reset_confirm": lambda: {"uidb64": "MQ", "token": "set-password"},
    "accounts:trusted_device_revoke": _trusted_device,
    "accounts:session_end": _session,
    "accounts:user_detail": _user_pk,
    "accounts:user_edit": _user_pk,
    "accounts:user_deactivate": _user_pk,
    "accounts:user_reactivate": _user_pk,
    "accounts:user_reset_second_factor": _user_pk,
    "accounts:user_send_link": _user_pk,
    "directory:reference_list": lambda: {"kind": "services"},
    "directory:reference_create": lambda: {"kind": "officers"},
    "directory:reference_edit": _reference_row,
    "notifications:open_message": _notification,
    "notifications:mark_read": _notification,
    "notifications:admin_retry": _notification,
}
