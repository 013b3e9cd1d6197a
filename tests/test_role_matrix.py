"""The role × URL matrix: every URL pattern, requested as anonymous, as each role and as a user
without a role, must answer as accounts.roles.URL_ACCESS says. A URL missing from the table, or a
view that does not check it, fails here."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts import roles
from tests.url_samples import SAMPLES

ACTORS = ["anonymous", "no-role", *sorted(roles.ALL_ROLES)]


def _walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}" if entry.name else None, entry


def all_url_patterns():
    return list(_walk(get_resolver().url_patterns))


URL_NAMES = sorted(name for name, _pattern in all_url_patterns() if name)


def test_every_url_pattern_is_named_and_in_the_roles_table():
    unnamed = [str(pattern.pattern) for name, pattern in all_url_patterns() if not name]
    missing = [name for name in URL_NAMES if name not in roles.URL_ACCESS]
    stale = [name for name in roles.URL_ACCESS if name not in URL_NAMES]
    assert not unnamed, f"URL patterns without a name: {unnamed}"
    assert not missing, f"URLs missing from accounts.roles.URL_ACCESS: {missing}"
    assert not stale, f"Entries of accounts.roles.URL_ACCESS without a URL: {stale}"


def test_every_view_checks_the_roles_table():
    unchecked = [name for name, pattern in all_url_patterns() if not getattr(pattern.callback, "access_checked", False)]
    assert not unchecked, f"Views not wrapped in @access_required (outermost): {unchecked}"


def _expected_allowed(actor: str, rule) -> bool:
    if rule == roles.PUBLIC:
        return True
    if actor == "anonymous":
        return False
    if rule == roles.SIGNED_IN:
        return True
    return actor in rule


@pytest.mark.parametrize("url_name", URL_NAMES)
@pytest.mark.parametrize("actor", ACTORS)
def test_url_answers_each_role_as_the_table_says(url_name, actor, client, client_as):
    rule = roles.URL_ACCESS[url_name]
    if actor != "anonymous":
        client = client_as() if actor == "no-role" else client_as(actor)
    builder = SAMPLES.get(url_name)
    pattern_has_args = "<" in str(dict(all_url_patterns())[url_name].pattern)
    assert builder or not pattern_has_args, f"{url_name} takes arguments: add a sample to tests/url_samples.py"
    url = reverse(url_name, kwargs=builder() if builder else None)

    response = client.get(url)

    login = reverse("accounts:login")
    refused_anonymous = response.status_code == 302 and response["Location"].startswith(f"{login}?next=")
    refused = response.status_code == 403 or refused_anonymous
    if _expected_allowed(actor, rule):
        assert not refused, f"{actor} should open {url_name} ({url}) but got {response.status_code}"
        assert response.status_code < 500 or url_name == "healthz"  # 503 when no worker runs
    else:
        expected = 302 if actor == "anonymous" else 403
        assert response.status_code == expected and refused, (
            f"{actor} should be refused {url_name} but got {response.status_code}"
        )
