"""The roles table: several roles give the union, no role gives only one's own pages, and the menu
shows exactly what the table allows."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import roles, services
from accounts.context_processors import NAVIGATION
from accounts.models import TrustedDevice

pytestmark = pytest.mark.django_db


def menu_of(client) -> list[str]:
    page = client.get(reverse("accounts:profile")).content.decode()
    menu = page.split('id="main-menu"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'href="([^"]+)"', menu)


def url_of(url_name, kwargs):
    return reverse(url_name, kwargs=kwargs)


def role_gated_urls():
    return [name for name, rule in roles.URL_ACCESS.items() if isinstance(rule, frozenset)]


def test_a_user_with_several_roles_gets_the_union(make_user):
    user = make_user("dispatch", "dpo")

    assert roles.can_open(user, "accounts:journal")  # from dpo
    assert roles.can_open(user, "directory:officer_search")  # from dispatch
    assert not roles.can_open(user, "accounts:user_list")  # from neither
    assert not roles.can(user, "see_identities")


def test_the_union_is_exactly_the_union_of_each_role(make_user):
    for first in sorted(roles.ALL_ROLES):
        for second in sorted(roles.ALL_ROLES):
            both = make_user(first, second)
            one, other = make_user(first), make_user(second)
            for url_name in role_gated_urls():
                expected = roles.can_open(one, url_name) or roles.can_open(other, url_name)
                assert roles.can_open(both, url_name) == expected, (first, second, url_name)


def test_a_user_without_a_role_sees_only_their_own_pages(client_as):
    client = client_as()

    assert client.get(reverse("accounts:home")).status_code == 200
    assert client.get(reverse("accounts:profile")).status_code == 200
    for url_name in ("accounts:user_list", "accounts:journal", "directory:service_list", "directory:officer_search"):
        assert client.get(reverse(url_name)).status_code == 403, url_name
    assert menu_of(client) == [reverse("accounts:home")]
    assert (
        "aucun pour l'instant — adressez-vous à l'AC coordinateur"
        in client.get(reverse("accounts:home")).content.decode()
    )


def test_a_deactivated_user_has_no_role(make_user):
    user = make_user("admin", is_active=False)

    assert roles.roles_of(user) == frozenset()
    assert not roles.can_open(user, "accounts:user_list")


def test_anonymous_has_no_role_and_only_public_pages(rf):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()

    assert roles.can_open(anonymous, "accounts:login")
    assert not roles.can_open(anonymous, "accounts:home")
    assert not roles.can(anonymous, "see_identities")


def test_a_url_missing_from_the_table_is_refused():
    assert not roles.can_open(object(), "nowhere:unknown")


def test_only_assistants_and_admins_see_identities(make_user):
    allowed = {code for code in roles.ALL_ROLES if roles.can(make_user(code), "see_identities")}

    assert allowed == {"assistant", "admin"}


@pytest.mark.parametrize("role", sorted(roles.ALL_ROLES))
def test_the_menu_shows_exactly_the_entries_the_role_may_open(role, client_as):
    client = client_as(role)

    shown = menu_of(client)

    expected = [
        url_of(url_name, kwargs)
        for url_name, kwargs, _label, _icon in NAVIGATION
        if roles.can_open(client.user, url_name)
    ]
    assert shown == expected
    for url in shown:
        assert client.get(url).status_code == 200, url


def test_the_menu_of_an_administrator_and_dpo_has_both_sets(client_as):
    client = client_as("admin", "dpo")

    shown = menu_of(client)

    assert reverse("accounts:user_list") in shown
    assert reverse("accounts:journal") in shown


def test_the_menu_marks_the_current_page(client_as):
    client = client_as("admin")

    page = client.get(reverse("accounts:user_list")).content.decode()

    assert re.search(r'class="nav-link active"\s+href="/users/"\s*aria-current="page"', page)


def test_the_home_page_has_real_content_for_each_role(client_as):
    admin = client_as("admin", "dpo")

    page = admin.get(reverse("accounts:home")).content.decode()

    assert "Comptes actifs" in page  # the administrator's card
    assert "Journal des accès, dernières 24 heures" in page  # the DPO's card
    assert "Mes connexions récentes" in page
    assert "Application d'authentification active" in page


def test_the_home_page_counts_the_second_factor_as_the_profile_does(make_user):
    user = make_user("assistant")
    services.new_backup_codes(user)
    now = timezone.now()
    for n, (expires, revoked) in enumerate([(1, None), (2, None), (-1, None), (3, now)]):
        TrustedDevice.objects.create(
            user=user, token_hash=f"{n:064d}", expires_at=now + timedelta(days=expires), revoked_at=revoked
        )

    summary = services.second_factor_summary(user)

    assert summary == {
        "has_authenticator": services.confirmed_totp(user) is not None,
        "backup_codes_left": services.backup_codes_left(user),
        "trusted_devices": TrustedDevice.objects.valid().filter(user=user).count(),
    }
    assert summary["has_authenticator"] and summary["backup_codes_left"] > 0 and summary["trusted_devices"] == 2
    assert services.second_factor_summary(make_user()) == {
        "has_authenticator": True,
        "backup_codes_left": 0,
        "trusted_devices": 0,
    }
