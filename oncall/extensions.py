"""Places where later apps add to the rota's pages and messages without oncall importing them.

Register from your AppConfig.ready():

    from oncall.extensions import handover_section, now_action

    @handover_section
    def open_callouts(shift):
        # called when the handover digest to the incoming AC of ``shift`` is built
        return {"title": "Open callouts", "items": [{"text": "INT-2026-0042 …", "url": "https://…"}]}

    @now_action
    def page_on_call(request):
        # a button on "Who is on call now"; None hides it for this request
        return {"label": "Page the on-call AC", "url": "/victims/page/", "icon": "megaphone"}

Both return None when they have nothing to add. A section's texts are stored in the digest's
context (JSON): plain strings and absolute URLs only. Keep each to a constant number of queries.
"""

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

HANDOVER_SECTIONS: list[Callable] = []
NOW_ACTIONS: list[Callable] = []


def handover_section(function: Callable) -> Callable:
    if function not in HANDOVER_SECTIONS:
        HANDOVER_SECTIONS.append(function)
    return function


def now_action(function: Callable) -> Callable:
    if function not in NOW_ACTIONS:
        NOW_ACTIONS.append(function)
    return function


def handover_sections(shift) -> list[dict]:
    """Every registered section for ``shift``'s digest. A failing section is logged and left out:
    the incoming AC must get the digest even when one app's part of it is broken."""
    sections = []
    for function in HANDOVER_SECTIONS:
        try:
            section = function(shift)
        except Exception:  # noqa: BLE001 - see docstring
            logger.exception(
                "handover section %s failed for shift %s", getattr(function, "__name__", function), shift.pk
            )
            continue
        if section:
            sections.append(
                {
                    "title": str(section.get("title", "")),
                    "items": [
                        {"text": str(i.get("text", "")), "url": str(i.get("url", ""))} for i in section.get("items", [])
                    ],
                }
            )
    return sections


def now_actions(request) -> list[dict]:
    actions = []
    for function in NOW_ACTIONS:
        action = function(request)
        if action:
            actions.append(action)
    return actions
