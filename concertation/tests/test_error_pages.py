"""Error pages: branded, translated, and a 500 shows a reference (found in the log), never a trace."""

import logging
import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.testing import sign_in

pytestmark = pytest.mark.django_db


def test_a_missing_page_is_branded_and_in_french_by_default(client):
    response = client.get("/no-such-page/")

    page = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="fr">' in page
    assert "<h1>Page introuvable</h1>" in page
    assert "Zone de police Bruxelles-Nord (5344)" in page
    assert "Retour à l'accueil" in page


def test_a_missing_page_follows_the_browser_language_before_sign_in(client):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="nl-BE,nl;q=0.9")

    assert "<h1>Pagina niet gevonden</h1>" in response.content.decode()


def test_a_missing_page_follows_the_profile_language_when_signed_in(make_user):
    client = sign_in(Client(), make_user("assistant", language="nl"))

    response = client.get("/no-such-page/")

    assert "<h1>Pagina niet gevonden</h1>" in response.content.decode()


def test_a_refused_page_is_branded_and_translated(client_as):
    client = client_as("chef")

    response = client.get(reverse("accounts:journal"))

    page = response.content.decode()
    assert response.status_code == 403
    assert "<h1>Accès refusé</h1>" in page
    assert "La tentative a été enregistrée dans le journal des accès." in page
    assert 'aria-label="Menu principal"' in page  # the normal layout, with the menu


@pytest.mark.urls("concertation.tests.urls")
def test_a_404_raised_by_a_view_is_not_logged_as_an_error(client_as, caplog):
    client = client_as("assistant")

    with caplog.at_level(logging.ERROR, logger="concertation.errors"):
        response = client.get("/test/not-found/")

    assert response.status_code == 404
    assert caplog.records == []


def _reference(page: str) -> str:
    match = re.search(r'data-testid="error-reference">([0-9A-F]{8})<', page)
    assert match, page
    return match.group(1)


@pytest.mark.urls("concertation.tests.urls")
def test_a_crash_shows_a_reference_and_no_traceback_and_logs_it(make_user, caplog, settings):
    assert settings.DEBUG is False
    client = sign_in(Client(raise_request_exception=False), make_user("assistant"))

    with caplog.at_level(logging.ERROR, logger="concertation.errors"):
        response = client.get("/test/journal-then-fail/")

    page = response.content.decode()
    assert response.status_code == 500
    assert "Un problème est survenu de notre côté" in page
    assert "Traceback" not in page and "boom" not in page and "secret detail" not in page
    reference = _reference(page)
    logged = [record for record in caplog.records if reference in record.getMessage()]
    assert len(logged) == 1
    assert logged[0].exc_info and "boom" in str(logged[0].exc_info[1])
    assert "no-store" in response["Cache-Control"]


@pytest.mark.urls("concertation.tests.urls")
def test_a_crash_outside_the_view_also_has_its_reference_in_the_log(make_user, caplog):
    client = sign_in(Client(raise_request_exception=False), make_user("assistant"))

    with caplog.at_level(logging.ERROR, logger="concertation.errors"):
        response = client.get("/test/return-nothing/")

    assert response.status_code == 500
    reference = _reference(response.content.decode())
    assert any(reference in record.getMessage() and record.exc_info for record in caplog.records)


@pytest.mark.urls("concertation.tests.urls")
def test_the_500_page_is_in_the_language_of_the_person(make_user):
    client = sign_in(Client(raise_request_exception=False), make_user("assistant", language="nl"))

    response = client.get("/test/journal-then-fail/")

    assert response.status_code == 500
    assert "Er ging bij ons iets mis" in response.content.decode()


def test_the_500_page_needs_no_database(rf, django_assert_num_queries):
    from concertation.views import server_error

    request = rf.get("/anything/")
    request.error_reference = "ABCDEF12"

    with django_assert_num_queries(0):
        response = server_error(request)

    assert response.status_code == 500
    assert "ABCDEF12" in response.content.decode()
