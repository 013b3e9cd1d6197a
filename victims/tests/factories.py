"""Small factories for the victims tests and the bench. Reference data (incident categories,
communes, kinds of service) comes from the data migrations."""

import uuid
from datetime import timedelta

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from directory.models import Commune, PartnerService, PartnerServiceKind
from victims.models import (
    AssistanceAction,
    Callout,
    FollowUp,
    IncidentCategory,
    Involvement,
    Person,
    Referral,
    next_reference,
)


def category(code="suicide") -> IncidentCategory:
    return IncidentCategory.objects.get(code=code)


def commune(code="schaerbeek") -> Commune:
    return Commune.objects.get(code=code)


class AssistantFactory(UserFactory):
    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        from accounts.models import Role

        if create:
            self.roles.set(Role.objects.filter(code__in=extracted or ["assistant"]))
        self.save()


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerService

    name_fr = factory.Sequence(lambda n: f"BAV {n}")
    name_nl = factory.LazyAttribute(lambda o: f"Slachtofferbejegening {o.name_fr[4:]}")
    kind = factory.LazyFunction(lambda: PartnerServiceKind.objects.get(code="bav"))
    commune = factory.LazyFunction(lambda: commune("evere"))
    email = factory.Sequence(lambda n: f"service{n}@example.org")
    language = "fr"


class CalloutFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Callout

    reference = factory.LazyAttribute(lambda o: next_reference("INT", timezone.localtime(o.received_at).year))
    received_at = factory.LazyFunction(timezone.now)
    category = factory.LazyFunction(category)
    commune = factory.LazyFunction(commune)
    status = Callout.Status.REQUESTED
    place = "Rue de l'Exemple 12"
    summary = ""


class AcceptedCalloutFactory(CalloutFactory):
    status = Callout.Status.ACCEPTED
    assistant = factory.SubFactory(AssistantFactory)
    accepted_at = factory.LazyAttribute(lambda o: o.received_at)


class ClosedCalloutFactory(AcceptedCalloutFactory):
    received_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=2))
    status = Callout.Status.CLOSED
    arrived_at = factory.LazyAttribute(lambda o: o.received_at + timedelta(minutes=30))
    ended_at = factory.LazyAttribute(lambda o: o.received_at + timedelta(minutes=90))


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = "Marie"
    last_name = factory.Sequence(lambda n: f"Testperson{n}")
    birth_year = 1980
    language = "fr"


class InvolvementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Involvement

    callout = factory.SubFactory(AcceptedCalloutFactory)
    person = factory.SubFactory(PersonFactory)
    role = Involvement.Role.VICTIM


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    person = factory.SubFactory(PersonFactory)
    callout = factory.SubFactory(AcceptedCalloutFactory)
    service = factory.SubFactory(ServiceFactory)
    consent_at = factory.LazyFunction(timezone.now)
    message = "Appeler après 18 h."


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssistanceAction

    callout = factory.SubFactory(AcceptedCalloutFactory)
    kind = AssistanceAction.Kind.EMOTIONAL


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    callout = factory.SubFactory(AcceptedCalloutFactory)
    assignee = factory.SubFactory(AssistantFactory)
    due_on = factory.LazyFunction(timezone.localdate)


def new_key() -> uuid.UUID:
    return uuid.uuid4()
