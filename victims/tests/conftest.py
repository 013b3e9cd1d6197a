from datetime import timedelta

import pytest
from django.utils import timezone

from oncall.models import Shift


@pytest.fixture
def on_call(make_user):
    """A primary and a backup AC on duty around now (and around any frozen time within a week)."""

    def make(at=None, *, primary=True, backup=True):
        at = at or timezone.now()
        people = {}
        for role, wanted in (("primary", primary), ("backup", backup)):
            if not wanted:
                continue
            user = make_user("assistant", phone="+32470000111" if role == "primary" else "+32470000222")
            Shift.objects.create(
                assistant=user, starts_at=at - timedelta(days=1), ends_at=at + timedelta(days=6), role=role
            )
            people[role] = user
        return people

    return make
