"""The navigation the user's roles allow, on every page."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import roles

# (URL name, URL kwargs, label, Bootstrap icon), in menu order. Shown only when the roles table lets
# the user open it.
NAVIGATION = [
    ("accounts:home", None, _("Home"), "house"),
    ("oncall:now", None, _("On call now"), "telephone"),
    ("oncall:rota", None, _("Rota"), "calendar-week"),
    ("victims:callout_list", None, _("Callouts"), "life-preserver"),
    ("victims:referral_list", None, _("Referrals"), "arrow-right-circle"),
    ("victims:person_search", None, _("Persons"), "person-vcard"),
    ("directory:service_list", None, _("Victim services"), "signpost-split"),
    ("accounts:user_list", None, _("Users"), "people"),
    ("directory:reference_list", {"kind": "services"}, _("Reference data"), "journal-bookmark"),
    ("notifications:admin_list", None, _("Message deliveries"), "send"),
    ("accounts:journal", None, _("Access journal"), "shield-lock"),
]


def navigation(request):
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        current = request.resolver_match.view_name if request.resolver_match else ""
        for url_name, kwargs, label, icon in NAVIGATION:
            if roles.can_open(user, url_name):
                url = reverse(url_name, kwargs=kwargs)
                items.append({"url": url, "label": label, "icon": icon, "active": current == url_name})
    return {"navigation": items}
