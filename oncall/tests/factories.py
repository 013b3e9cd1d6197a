from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import factory

from accounts.tests.factories import UserFactory
from oncall.models import Absence, Layer, Rotation, Shift

BRUSSELS = ZoneInfo("Europe/Brussels")


def local(*args) -> datetime:
    """An aware Brussels wall-clock time: local(2026, 3, 29, 9) → 09:00 CEST."""
    return datetime(*args, tzinfo=BRUSSELS)


class AssistantFactory(UserFactory):
    """A user holding the assistant role (plus any roles=[...] given)."""

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        from accounts.models import Role

        if create:
            self.roles.set(Role.objects.filter(code__in=["assistant", *(extracted or [])]))
        self.save()  # also stores the password set by UserFactory


class ShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shift

    assistant = factory.SubFactory(AssistantFactory)
    starts_at = factory.LazyFunction(lambda: local(2026, 1, 5, 9))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(days=7))
    role = Layer.PRIMARY
    source = Shift.Source.MANUAL


class RotationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rotation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Permanence {n}")
    start_date = factory.LazyFunction(lambda: datetime(2026, 1, 5).date())

    @factory.post_generation
    def assistants(self, create, extracted, **kwargs):
        if create and extracted:
            for position, user in enumerate(extracted):
                self.memberships.create(assistant=user, position=position)


class AbsenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Absence

    assistant = factory.SubFactory(AssistantFactory)
    starts_at = factory.LazyFunction(lambda: local(2026, 1, 5, 0))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(days=3))
