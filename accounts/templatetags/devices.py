"""{% load devices %} … {{ session.user_agent|device }}: "Chrome sur Android" rather than the raw
user-agent string, so that a person recognises their own phone in the profile."""

import re

from django import template
from django.utils.translation import gettext as _

register = template.Library()

# Order matters: Edge and Samsung Internet also say "Chrome", Chrome also says "Safari".
BROWSERS = [
    ("Edg/", "Edge"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
]
SYSTEMS = [
    (r"iPhone", "iPhone"),
    (r"iPad", "iPad"),
    (r"Android", "Android"),
    (r"Windows", "Windows"),
    (r"Mac OS X|Macintosh", "macOS"),
    (r"CrOS", "ChromeOS"),
    (r"Linux", "Linux"),
]


@register.filter
def device(user_agent: str) -> str:
    user_agent = user_agent or ""
    browser = next((name for marker, name in BROWSERS if marker in user_agent), "")
    system = next((name for pattern, name in SYSTEMS if re.search(pattern, user_agent)), "")
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("Unknown browser")
