"""Places where later apps add to the ground-floor pages without the accounts app importing them.

An app registers from its AppConfig.ready():

    from accounts.extensions import home_card, profile_section

    @home_card(order=10)
    def my_shifts(request):
        if not request.user.has_role("assistant"):
            return None
        return {"template": "oncall/_home_card.html", "shifts": ...}

The function returns None (nothing to show) or a dict with a "template" key plus the template's
context. It runs on every home-page view: keep it to a constant number of queries.
"""

from collections.abc import Callable

HOME_CARDS: list[tuple[int, Callable]] = []
PROFILE_SECTIONS: list[tuple[int, Callable]] = []


def home_card(order: int = 50):
    def register(function):
        HOME_CARDS.append((order, function))
        HOME_CARDS.sort(key=lambda entry: entry[0])
        return function

    return register


def profile_section(order: int = 50):
    def register(function):
        PROFILE_SECTIONS.append((order, function))
        PROFILE_SECTIONS.sort(key=lambda entry: entry[0])
        return function

    return register


def collect(registry, request) -> list[dict]:
    cards = []
    for _order, function in registry:
        card = function(request)
        if card:
            cards.append(card)
    return cards
