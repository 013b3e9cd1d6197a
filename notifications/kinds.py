"""The kinds of message, declared by each app from its AppConfig.ready():

    from notifications import kinds
    kinds.register("shift_reminder", _("Reminder before my shift"), ("email", "in_app"))
    kinds.register("page", _("Page: callout request"), ("sms", "email", "in_app"), configurable=False)

A kind's label is what people see in their preferences; ``default_channels`` apply until they
choose; a kind that is not ``configurable`` always goes to its default channels (paging cannot
be switched off). ``audience`` (role codes) limits who sees the kind in their preferences — an
assistant need not choose channels for messages only admins receive; None = everyone.
"""

from collections.abc import Iterable
from dataclasses import dataclass

CHANNELS = ("email", "sms", "in_app")


@dataclass(frozen=True)
class Kind:
    code: str
    label: object  # a lazy translation
    default_channels: tuple[str, ...]
    configurable: bool
    audience: frozenset[str] | None = None

    def concerns(self, user) -> bool:
        return self.audience is None or bool(self.audience & user.role_codes)


KINDS: dict[str, Kind] = {}


def register(
    code: str,
    label,
    default_channels: tuple[str, ...] = ("email", "in_app"),
    *,
    configurable: bool = True,
    audience: Iterable[str] | None = None,
) -> None:
    unknown = set(default_channels) - set(CHANNELS)
    if unknown:
        raise ValueError(f"Unknown channels for kind {code!r}: {sorted(unknown)}")
    if not default_channels:
        raise ValueError(f"Kind {code!r} needs at least one default channel.")
    if len(code) > 50:
        raise ValueError(f"Kind code {code!r} is longer than 50 characters.")
    existing = KINDS.get(code)
    kind = Kind(code, label, tuple(default_channels), configurable, frozenset(audience) if audience else None)
    if existing is not None and existing != kind:
        raise ValueError(f"Kind {code!r} is already registered differently.")
    KINDS[code] = kind


def get(code: str) -> Kind:
    try:
        return KINDS[code]
    except KeyError:
        raise ValueError(f"Unknown notification kind {code!r}: register it from your AppConfig.ready().") from None


def configurable(user=None) -> list[Kind]:
    """Kinds people choose channels for (those that concern ``user``, when given)."""
    return [kind for kind in KINDS.values() if kind.configurable and (user is None or kind.concerns(user))]
