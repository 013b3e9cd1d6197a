"""Who may do what: the one place that says it, readable as a table.

Every view checks this table in the view (``accounts.decorators.access_required`` looks up the
view's URL name here), the navigation shows only what it allows, and the role × URL matrix test
walks every URL pattern against it — a URL missing from the table fails that test and is refused
at run time.

Roles (a user may hold several):
  assistant  assistant(e) de concertation: the on-call duty, callouts, cases, schools
  admin      the coordinating AC: users, the rota, reference data
  chef       chef de corps / korpschef: reports and statistics, never identities
  dispatch   the zone's dispatching: who is on call, paging, nothing else
  dpo        the data-protection officer: the access journal
"""

from django.utils.translation import gettext_lazy as _

ASSISTANT = "assistant"
ADMIN = "admin"
CHEF = "chef"
DISPATCH = "dispatch"
DPO = "dpo"

ROLE_CHOICES = [
    (ASSISTANT, _("Assistant de concertation")),
    (ADMIN, _("Administrator")),
    (CHEF, _("Chef de corps")),
    (DISPATCH, _("Dispatch")),
    (DPO, _("Data-protection officer")),
]
ALL_ROLES = frozenset(code for code, _label in ROLE_CHOICES)

# Markers for rows that are not a set of roles.
PUBLIC = "public"  # no sign-in needed (sign-in pages, health check, signed links)
SIGNED_IN = "signed-in"  # any signed-in account, even one without a role (profile, sign-out)


def _roles(*codes: str) -> frozenset[str]:
    return frozenset(codes)


ANY_ROLE = ALL_ROLES
STAFF = _roles(ASSISTANT, ADMIN)
ROTA_READERS = _roles(ASSISTANT, ADMIN, CHEF, DISPATCH)

# fmt: off
# URL name                              -> who may open it
URL_ACCESS: dict[str, str | frozenset[str]] = {
    # --- ground floor: health, sign-in, profile ------------------------------------------------
    "healthz":                              PUBLIC,
    "set_language":                         PUBLIC,
    "accounts:login":                       PUBLIC,
    "accounts:login_verify":                PUBLIC,   # only with a pending sign-in in the session
    "accounts:enrol":                       PUBLIC,   # pending first sign-in, or a signed-in user
    "accounts:password_reset":              PUBLIC,
    "accounts:password_reset_sent":         PUBLIC,
    "accounts:password_reset_confirm":      PUBLIC,   # only with a valid signed token
    "accounts:logout":                      SIGNED_IN,
    "accounts:home":                        SIGNED_IN,
    "accounts:profile":                     SIGNED_IN,
    "accounts:password_change":             SIGNED_IN,
    "accounts:backup_codes":                SIGNED_IN,
    "accounts:trusted_device_revoke":       SIGNED_IN,
    "accounts:session_end":                 SIGNED_IN,
    # --- user administration and the journal ---------------------------------------------------
    "accounts:user_list":                   _roles(ADMIN),
    "accounts:user_create":                 _roles(ADMIN),
    "accounts:user_detail":                 _roles(ADMIN),
    "accounts:user_edit":                   _roles(ADMIN),
    "accounts:user_deactivate":             _roles(ADMIN),
    "accounts:user_reactivate":             _roles(ADMIN),
    "accounts:user_reset_second_factor":    _roles(ADMIN),
    "accounts:user_send_link":              _roles(ADMIN),
    "accounts:journal":                     _roles(DPO),
    "accounts:journal_export":              _roles(DPO),
    # --- directory -----------------------------------------------------------------------------
    "directory:reference_list":             _roles(ADMIN),
    "directory:reference_create":           _roles(ADMIN),
    "directory:reference_edit":             _roles(ADMIN),
    "directory:officer_search":             _roles(ASSISTANT, ADMIN, DISPATCH),
    "directory:service_list":               _roles(ASSISTANT, ADMIN),
    # --- notifications (issue #3) ----------------------------------------------------------------
    "notifications:inbox":                  SIGNED_IN,  # one's own in-app messages
    "notifications:bell":                   SIGNED_IN,
    "notifications:open_message":           SIGNED_IN,  # own messages only (404 otherwise)
    "notifications:mark_read":              SIGNED_IN,
    "notifications:mark_all_read":          SIGNED_IN,
    "notifications:preferences":            SIGNED_IN,
    "notifications:send_test":              SIGNED_IN,
    "notifications:admin_list":             _roles(ADMIN),
    "notifications:admin_retry":            _roles(ADMIN),
    # --- on-call rota (issue #3) -----------------------------------------------------------------
    # ACs' names and work phones are staff data: chefs and dispatch see the rota and who is on call.
    "oncall:rota":                          ROTA_READERS,
    "oncall:month":                         ROTA_READERS,
    "oncall:day":                           ROTA_READERS,
    "oncall:now":                           ROTA_READERS,
    "oncall:now_api":                       PUBLIC,   # bearer token of the dispatch system, journaled
    "oncall:api_tokens":                    _roles(ADMIN),
    "oncall:api_token_revoke":              _roles(ADMIN),
    "oncall:rotation_list":                 STAFF,
    "oncall:rotation_create":               _roles(ADMIN),
    "oncall:rotation_detail":               STAFF,    # generating (POST) is the admin's
    "oncall:rotation_edit":                 _roles(ADMIN),
    "oncall:shift_create":                  _roles(ADMIN),
    "oncall:shift_detail":                  STAFF,
    "oncall:shift_override":                STAFF,    # the admin, or the assistant holding the shift
    "oncall:shift_remove":                  _roles(ADMIN),
    "oncall:swap_create":                   STAFF,    # the admin, or the assistant holding the shift
    "oncall:swap_list":                     STAFF,
    "oncall:swap_detail":                   STAFF,
    "oncall:swap_take":                     _roles(ASSISTANT),
    "oncall:swap_withdraw":                 STAFF,    # the requester or an admin
    "oncall:swap_approve":                  _roles(ADMIN),
    "oncall:swap_decline":                  _roles(ADMIN),
    "oncall:absence_list":                  STAFF,    # assistants see their own, admins all
    "oncall:absence_create":                STAFF,
    "oncall:absence_delete":                STAFF,    # one's own, or an admin
    "oncall:absence_swap":                  STAFF,    # one's own, or an admin
    "oncall:coverage":                      STAFF,
    "oncall:fairness":                      _roles(ASSISTANT, ADMIN, CHEF),
    "oncall:calendar_feeds":                ROTA_READERS,
    "oncall:calendar_feed_create":          ROTA_READERS,
    "oncall:calendar_feed_revoke":          ROTA_READERS,
    "oncall:ical_mine":                     PUBLIC,   # secret link; the owner must still hold a rota role
    "oncall:ical_rota":                     PUBLIC,   # secret link; the owner must still hold a rota role
    # --- victim assistance (issue #4) ------------------------------------------------------------
    # Chefs de corps open the list, the callout page and the export, rendered without any name,
    # contact or free text (victims.views checks "see_identities"). Dispatch pages the on-call AC
    # and follows the callouts it paged (status and times only; others are 404 to it).
    "victims:callout_list":                 _roles(ASSISTANT, ADMIN, CHEF),
    "victims:callout_export":               _roles(ASSISTANT, ADMIN, CHEF),
    "victims:callout_page":                 _roles(ASSISTANT, ADMIN, DISPATCH),
    "victims:callout_create":               STAFF,
    "victims:callout_detail":               _roles(ASSISTANT, ADMIN, CHEF, DISPATCH),
    "victims:callout_edit":                 STAFF,
    "victims:callout_history":              STAFF,
    "victims:callout_step":                 _roles(ASSISTANT, ADMIN, DISPATCH),  # dispatch: only cancel its own page
    "victims:callout_debrief_done":         STAFF,   # the AC of the callout, or an admin
    "victims:person_add":                   STAFF,
    "victims:involvement_remove":           STAFF,
    "victims:action_add":                   STAFF,
    "victims:coaching_add":                 STAFF,
    "victims:followup_add":                 STAFF,
    "victims:referral_create":              STAFF,
    "victims:person_search":                STAFF,   # by name: a reason is required and journaled
    "victims:person_detail":                STAFF,
    "victims:person_edit":                  STAFF,
    "victims:person_followup_add":          STAFF,
    "victims:followup_list":                STAFF,
    "victims:followup_done":                STAFF,
    "victims:referral_list":                STAFF,
    "victims:referral_detail":              STAFF,
    "victims:referral_send":                STAFF,
    "victims:referral_answer":              STAFF,
    "victims:referral_sheet":               STAFF,
    "victims:referral_pdf":                 STAFF,
    "victims:referral_ack":                 PUBLIC,   # the service's signed, expiring link
    "victims:referral_ack_pdf":             PUBLIC,   # same link, the sheet as PDF
}

# Capabilities that are not a page: checked by views and services with ``can(user, name)``.
CAPABILITIES: dict[str, frozenset[str]] = {
    # See names, contacts and free-text notes of victims, relatives and citizens. Chefs de corps
    # never do (need-to-know); dispatch neither.
    "see_identities":                       _roles(ASSISTANT, ADMIN),
    # Refer a person without their consent, on a documented legal basis (journaled with a reason).
    "record_legal_basis":                   _roles(ADMIN),
    # Exports of callouts with names, places and summaries; everyone else exports statistics.
    "export_identities":                    _roles(ADMIN),
}
# fmt: on


def roles_of(user) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    return user.role_codes


def can_open(user, url_name: str) -> bool:
    """True if ``user`` may open the URL named ``url_name`` (False for a name not in the table)."""
    rule = URL_ACCESS.get(url_name)
    if rule is None:
        return False
    if rule == PUBLIC:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if rule == SIGNED_IN:
        return True
    return bool(roles_of(user) & rule)


def can(user, capability: str) -> bool:
    return bool(roles_of(user) & CAPABILITIES[capability])
