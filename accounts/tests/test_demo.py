"""`make run`'s demo data (load_demo) and second-factor helper (demo_code)."""

import io

import pytest
from django.core.management import CommandError, call_command

from accounts.demo import ACCOUNTS, DEMO_PASSWORD
from accounts.models import User


@pytest.mark.django_db
def test_demo_data_is_refused_outside_demo_mode(settings):
    settings.DEMO_MODE = False

    with pytest.raises(CommandError, match="refused unless DEMO_MODE is on"):
        call_command("load_demo", stdout=io.StringIO())
    assert not User.objects.filter(email=ACCOUNTS[0][0]).exists()


@pytest.mark.django_db
def test_demo_data_loads_twice_without_change_and_lists_one_account_per_role(settings):
    settings.DEMO_MODE = True
    out = io.StringIO()

    call_command("load_demo", stdout=out)
    first = {user.email: sorted(user.role_codes) for user in User.objects.all()}
    call_command("load_demo", stdout=io.StringIO())
    second = {user.email: sorted(user.role_codes) for user in User.objects.all()}

    assert first == second and len(first) == len(ACCOUNTS)
    assert {code for roles in first.values() for code in roles} == {"assistant", "admin", "chef", "dispatch", "dpo"}
    printed = out.getvalue()
    assert DEMO_PASSWORD in printed and "manage.py demo_code EMAIL" in printed
    assert User.objects.get(email=ACCOUNTS[0][0]).check_password(DEMO_PASSWORD)


@pytest.mark.django_db
def test_demo_code_prints_the_code_the_app_would_show(settings):
    from accounts.testing import current_code

    settings.DEMO_MODE = True
    call_command("load_demo", stdout=io.StringIO())
    user = User.objects.get(email=ACCOUNTS[0][0])
    out = io.StringIO()

    call_command("demo_code", user.email.upper(), stdout=out)

    assert out.getvalue().strip() == current_code(user)


@pytest.mark.django_db
def test_demo_code_is_refused_outside_demo_mode_and_for_real_accounts(settings, make_user):
    settings.DEMO_MODE = True
    real = make_user("assistant")
    with pytest.raises(CommandError, match="does not use a demo second factor"):
        call_command("demo_code", real.email, stdout=io.StringIO())

    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="refused unless DEMO_MODE is on"):
        call_command("demo_code", real.email, stdout=io.StringIO())
