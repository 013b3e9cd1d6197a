from datetime import timedelta

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from notifications.models import Notification


class NotificationFactory(factory.django.DjangoModelFactory):
    """A sent in-app message by default (what the inbox shows)."""

    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    channel = Notification.Channel.IN_APP
    kind = "test_message"
    template = "test_message"
    context = factory.LazyFunction(lambda: {"requested_at": timezone.now().isoformat()})
    dedupe_key = factory.Sequence(lambda n: f"factory:{n}")
    due_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=5))
    next_attempt_at = factory.SelfAttribute("due_at")
    status = Notification.Status.SENT
    sent_at = factory.LazyFunction(timezone.now)
    subject = factory.Sequence(lambda n: f"Message {n}")
    language = "fr"
