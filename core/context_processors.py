"""What every page needs that does not depend on who is signed in: the site's name, demo mode and
the languages. The navigation (which depends on the user's roles) is accounts.context_processors."""

from django.conf import settings


def ui(request):
    return {
        "site_name": settings.SITE_NAME,
        "demo_mode": settings.DEMO_MODE,
        "languages": settings.LANGUAGES,
    }
