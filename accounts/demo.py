"""Demo accounts, one per role (and the coordinating AC with two), for `make run`."""

import base64
import hashlib

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, User

DEMO_PASSWORD = "demo-concertation-2026"

ACCOUNTS = [
    # e-mail, name, roles, language, phone
    ("coordination@demo.polbruno.be", "Nadia Vermeulen", ["admin", "assistant"], "fr", "+32470000001"),
    ("sofia.benali@demo.polbruno.be", "Sofia Benali", ["assistant"], "fr", "+32470000002"),
    ("thomas.peeters@demo.polbruno.be", "Thomas Peeters", ["assistant"], "nl", "+32470000003"),
    ("julie.lambert@demo.polbruno.be", "Julie Lambert", ["assistant"], "fr", "+32470000004"),
    ("chef@demo.polbruno.be", "Marc Dubois", ["chef"], "fr", ""),
    ("dispatch@demo.polbruno.be", "Dispatching PolBruNo", ["dispatch"], "fr", "+3222492211"),
    ("dpo@demo.polbruno.be", "Anne Claes", ["dpo"], "nl", ""),
]


def demo_totp_key(email: str) -> str:
    """A fixed TOTP secret per demo account (hex), so the printed key stays valid across runs."""
    return hashlib.sha256(f"concertation-demo:{email}".encode()).hexdigest()[:40]


def demo_totp_base32(email: str) -> str:
    return base64.b32encode(bytes.fromhex(demo_totp_key(email))).decode().rstrip("=")


@transaction.atomic
def load(out) -> None:
    roles = {role.code: role for role in Role.objects.all()}
    for email, name, role_codes, language, phone in ACCOUNTS:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(email, DEMO_PASSWORD, full_name=name, language=language, phone=phone)
        user.roles.set([roles[code] for code in role_codes])
        TOTPDevice.objects.update_or_create(
            user=user, name="authenticator", defaults={"key": demo_totp_key(email), "confirmed": True}
        )
    out.write(f"  accounts: {len(ACCOUNTS)} demo accounts")


def describe(out) -> None:
    out.write(f"Demo accounts (password: {DEMO_PASSWORD})")
    out.write(f"  {'e-mail':34} {'roles':20} TOTP key (add it to an authenticator app)")
    for email, _name, role_codes, _language, _phone in ACCOUNTS:
        out.write(f"  {email:34} {'+'.join(role_codes):20} {demo_totp_base32(email)}")
    out.write("Current second-factor code of an account: .venv/bin/python manage.py demo_code EMAIL")
