"""The kinds of message, declared by each app from its AppConfig.ready():

    from notifications import kinds
    kinds.register("shift_reminder", _("Reminder before my shift"), ("email", "in_app"))
    kinds.register("page", _("Page: callout request"), ("sms", "email", "in_app"), configurable=False)

A kind's label is what people see in their preferences; ``default_channels`` apply until they
choose; a kind that is not ``configurable`` always goes to its default channels (paging cannot
be switched off).
"""

from dataclasses import dataclass

CHANNELS = ("email", "sms", "in_app")


@dataclass(frozen=True)
class Kind:
    code: str
    label: object  # a lazy translation
    default_channels: tuple[str, ...]
    configurable: bool


KINDS: dict[str, Kind] = {}


def register(
    code: str, label, default_channels: tuple[str, ...] = ("email", "in_app"), *, configurable: bool = True
) -> None:
    unknown = set(default_channels) - set(CHANNELS)
    if unknown:
        raise ValueError(f"Unknown channels for kind {code!r}: {sorted(unknown)}")
    if not default_channels:
        raise ValueError(f"Kind {code!r} needs at least one default channel.")
    if len(code) > 50:
        raise ValueError(f"Kind code {code!r} is longer than 50 characters.")
    existing = KINDS.get(code)
    kind = Kind(code, label, tuple(default_channels), configurable)
    if existing is not None and existing != kind:
        raise ValueError(f"Kind {code!r} is already registered differently.")
    KINDS[code] = kind


def get(code: str) -> Kind:
    try:
        return KINDS[code]
    except KeyError:
        raise ValueError(f"Unknown notification kind {code!r}: register it from your AppConfig.ready().") from None


def configurable() -> list[Kind]:
    return [kind for kind in KINDS.values() if kind.configurable]
