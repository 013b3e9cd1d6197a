"""The administrator's pages for accounts, and everyone's profile."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccessEvent, Role, User

pytestmark = pytest.mark.django_db

USERS = reverse("accounts:user_list")
NEW = reverse("accounts:user_create")


def role_pks(*codes):
    return [Role.objects.get(code=code).pk for code in codes]


def new_account(admin, **fields):
    data = {
        "email": "julie.mertens@example.org",
        "full_name": "Julie Mertens",
        "phone": "0470 12 34 56",
        "language": "fr",
        "roles": role_pks("assistant"),
    }
    data.update(fields)
    return admin.post(NEW, data)


# --- list ----------------------------------------------------------------------------------------------------


def test_the_list_finds_people_by_name_without_accents_or_by_email(client_as, make_user):
    # Named, not random: Faker's Belgian names include "Lefèvre", and a random admin of that name
    # was a second match.
    admin = client_as("admin", full_name="Zoé Admin")
    make_user("assistant", full_name="Aurélie Lefèvre", email="a.lefevre@example.org")
    make_user("assistant", full_name="Bart Peeters", email="bart@example.org")

    by_name = admin.get(USERS, {"q": "lefevre"})
    by_email = admin.get(USERS, {"q": "bart@"})

    assert [u.full_name for u in by_name.context["page"]] == ["Aurélie Lefèvre"]
    assert [u.full_name for u in by_email.context["page"]] == ["Bart Peeters"]


def test_the_list_filters_by_role_and_status(client_as, make_user):
    admin = client_as("admin", full_name="Zoé Admin")
    make_user("chef", full_name="Chef Actif")
    make_user("chef", full_name="Chef Parti", is_active=False)

    chefs = admin.get(USERS, {"role": "chef"})
    gone = admin.get(USERS, {"role": "chef", "status": "inactive"})
    everyone = admin.get(USERS, {"status": "all"})

    assert [u.full_name for u in chefs.context["page"]] == ["Chef Actif"]
    assert [u.full_name for u in gone.context["page"]] == ["Chef Parti"]
    assert {"Chef Actif", "Chef Parti", "Zoé Admin"} <= {u.full_name for u in everyone.context["page"]}


def test_the_list_answers_htmx_with_the_rows_only(client_as):
    admin = client_as("admin")

    response = admin.get(USERS, {"q": "x"}, HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert "<html" not in page and "<table" in page


def test_the_list_and_its_searches_are_journaled(client_as):
    admin = client_as("admin")

    admin.get(USERS)
    admin.get(USERS, {"q": "dupont", "role": "chef"})

    rows = list(AccessEvent.objects.filter(actor=admin.user).order_by("id").values_list("action", "code", "params"))
    assert rows == [
        ("list", "users.list", None),
        ("search", "users.search", {"filters": "q=dupont role=chef status=active"}),
    ]


def test_the_list_query_count_does_not_grow_with_the_accounts(client_as, make_user):
    admin = client_as("admin")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert admin.get(USERS).status_code == 200
        return len(captured)

    for _n in range(3):
        make_user("assistant", "chef")
    few = queries()
    for _n in range(20):
        make_user("assistant", "dpo")
    many = queries()

    assert few == many <= 20


# --- create and edit --------------------------------------------------------------------------------------------


def test_the_administrator_creates_an_account_with_roles(client_as):
    admin = client_as("admin")

    response = new_account(admin, roles=role_pks("assistant", "dispatch"))

    user = User.objects.get(email="julie.mertens@example.org")
    assert response["Location"] == reverse("accounts:user_detail", args=[user.pk])
    assert user.role_codes == {"assistant", "dispatch"}
    assert user.phone == "+32470123456"
    assert not user.has_usable_password()
    assert AccessEvent.objects.filter(actor=admin.user, action="create", object_id=str(user.pk)).exists()


def test_an_email_already_used_in_another_case_is_refused_and_nothing_is_saved(client_as, make_user):
    admin = client_as("admin")
    make_user(email="julie.mertens@example.org")

    response = new_account(admin, email="Julie.Mertens@Example.org")

    assert response.status_code == 200
    assert "Un compte avec cette adresse e-mail existe déjà." in response.content.decode()
    assert User.objects.filter(email__iexact="julie.mertens@example.org").count() == 1


def test_bad_input_is_explained_next_to_each_field(client_as):
    admin = client_as("admin")

    response = new_account(admin, email="pas une adresse", full_name="", phone="12")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Saisissez une adresse de courriel valide." in page
    assert "Ce champ est obligatoire." in page
    assert "Saisissez un numéro de téléphone valide, par exemple 0470 12 34 56 ou +32 2 249 22 11." in page
    assert not User.objects.filter(full_name="").exists()


def test_the_database_refuses_a_duplicate_email_whatever_the_case(make_user):
    from django.db import IntegrityError, transaction

    make_user(email="same@example.org")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="SAME@example.org", full_name="Other")


def test_the_database_refuses_a_phone_not_in_international_format(make_user):
    from django.db import IntegrityError, transaction

    user = make_user()
    user.phone = "0470123456"

    with pytest.raises(IntegrityError), transaction.atomic():
        user.save()


def test_editing_roles_is_recorded_in_the_history_with_who_did_it(client_as, make_user):
    admin = client_as("admin", full_name="Sophie Lambert")
    account = make_user("assistant", full_name="Julie Mertens")

    admin.post(
        reverse("accounts:user_edit", args=[account.pk]),
        {
            "email": account.email,
            "full_name": "Julie Mertens-Dubois",
            "phone": "",
            "language": "nl",
            "roles": role_pks("assistant", "dpo"),
        },
    )

    account.refresh_from_db()
    assert account.role_codes == {"assistant", "dpo"} and account.language == "nl"
    history = admin.get(reverse("accounts:user_detail", args=[account.pk])).context["history"]
    granted = [entry for entry in history if entry.label == "Rôle attribué"]
    changed = [entry for entry in history if entry.label == "Modification"]
    assert granted and granted[0].who == "Sophie Lambert"
    assert changed and changed[0].who == "Sophie Lambert"
    fields = {change.field: (change.old, change.new) for change in changed[0].changes}
    assert fields["nom complet"] == ("Julie Mertens", "Julie Mertens-Dubois")
    assert "password" not in str(history)


def test_an_administrator_cannot_remove_their_own_administrator_role(client_as):
    admin = client_as("admin")
    me = admin.user

    response = admin.post(
        reverse("accounts:user_edit", args=[me.pk]),
        {"email": me.email, "full_name": me.full_name, "phone": "", "language": "fr", "roles": role_pks("assistant")},
    )

    assert "Vous ne pouvez pas retirer votre propre rôle d&#x27;administrateur." in response.content.decode()
    me.refresh_from_db()
    assert "admin" in me.role_codes


def test_resetting_a_second_factor_removes_app_and_backup_codes_and_is_journaled(client_as, make_user):
    from accounts import services

    admin = client_as("admin")
    account = make_user("assistant")
    services.new_backup_codes(account)

    response = admin.post(reverse("accounts:user_reset_second_factor", args=[account.pk]))

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=account).exists()
    assert not StaticDevice.objects.filter(user=account).exists()
    event = AccessEvent.objects.get(actor=admin.user, action="security")
    assert event.code == "second_factor.reset" and event.params == {"object": account.journal_label()}


def test_administrative_changes_need_a_post(client_as, make_user):
    admin = client_as("admin")
    account = make_user("assistant")

    for name in ("user_deactivate", "user_reactivate", "user_reset_second_factor", "user_send_link"):
        assert admin.get(reverse(f"accounts:{name}", args=[account.pk])).status_code == 405
    account.refresh_from_db()
    assert account.is_active


def test_the_detail_page_query_count_does_not_grow_with_the_history(client_as, make_user):
    admin = client_as("admin")
    account = make_user("assistant")
    url = reverse("accounts:user_detail", args=[account.pk])

    def rename(n):
        data = {"email": account.email, "full_name": f"Name {n}", "phone": "", "language": "fr", "roles": []}
        admin.post(reverse("accounts:user_edit", args=[account.pk]), data)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert admin.get(url).status_code == 200
        return len(captured)

    rename(0)
    few = queries()
    for n in range(1, 16):
        rename(n)
    many = queries()

    assert len(admin.get(url).context["history"]) > 15
    assert few == many <= 25


# --- profile ----------------------------------------------------------------------------------------------------


def test_the_profile_saves_name_phone_and_language_and_the_ui_follows(client_as):
    client = client_as("assistant")

    response = client.post(
        reverse("accounts:profile"), {"full_name": "Marie Dupont", "phone": "02/249.22.11", "language": "nl"}
    )

    assert response["Location"] == reverse("accounts:profile")
    user = User.objects.get(pk=client.user.pk)
    assert (user.full_name, user.phone, user.language) == ("Marie Dupont", "+3222492211", "nl")
    page = client.get(reverse("accounts:profile")).content.decode()
    assert '<html lang="nl">' in page
    assert "Mijn profiel" in page and "Uw profiel is opgeslagen." in page


def test_the_profile_explains_a_bad_phone_number(client_as):
    client = client_as("assistant")

    response = client.post(reverse("accounts:profile"), {"full_name": "Marie", "phone": "call me", "language": "fr"})

    assert "Saisissez un numéro de téléphone valide" in response.content.decode()
    assert User.objects.get(pk=client.user.pk).full_name != "Marie"


def test_the_language_switcher_saves_the_choice_in_the_profile(client_as):
    client = client_as("assistant")

    response = client.post(reverse("set_language"), {"language": "nl", "next": reverse("accounts:profile")})

    assert response["Location"] == reverse("accounts:profile")
    assert User.objects.get(pk=client.user.pk).language == "nl"
    assert "Mijn profiel" in client.get(reverse("accounts:profile")).content.decode()


def test_the_language_switcher_works_before_sign_in_and_refuses_other_sites(client):
    response = client.post(reverse("set_language"), {"language": "nl", "next": "https://evil.example/"})

    assert response["Location"] == reverse("accounts:home")
    assert "Aanmelden" in client.get(reverse("accounts:login")).content.decode()


def test_an_unknown_language_falls_back_to_french(client):
    client.post(reverse("set_language"), {"language": "de"})

    assert "Se connecter" in client.get(reverse("accounts:login")).content.decode()
