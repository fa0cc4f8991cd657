"""The roles of rule R1.1 as Django groups. Group names are stable codes; labels are Chinese."""
from django.utils.translation import gettext_lazy as _

HANDLER = "handler"
RESPONSIBLE = "responsible"
COMMITTEE = "committee"
COMMITTEE_HEAD = "committee_head"
FINANCE = "finance"
BUSINESS = "business"
TECH = "tech"
LEGAL = "legal"
GM = "gm"
GM_OFFICE = "gm_office"
BOARD = "board"
SHAREHOLDERS = "shareholders"
AUDITOR = "auditor"
CUSTODIAN = "custodian"
INSPECTOR = "inspector"

LABELS = {
    HANDLER: _("清欠专员/经办人"),
    RESPONSIBLE: _("第一责任人"),
    COMMITTEE: _("清欠办"),
    COMMITTEE_HEAD: _("清欠办主任(组长)"),
    FINANCE: _("财务部"),
    BUSINESS: _("经营管理部"),
    TECH: _("技术工程部"),
    LEGAL: _("法务部"),
    GM: _("总经理"),
    GM_OFFICE: _("总经理办公会"),
    BOARD: _("董事会"),
    SHAREHOLDERS: _("股东大会"),
    AUDITOR: _("审计"),
    CUSTODIAN: _("保管"),
    INSPECTOR: _("验收人员"),
}

# Roles that act for the whole group and therefore see every unit (rule R1.3).
GROUP_LEVEL = {COMMITTEE, COMMITTEE_HEAD, GM, GM_OFFICE, BOARD, SHAREHOLDERS, AUDITOR}

VIEW_ALL_UNITS = "workflows.view_all_units"

# Permissions each role holds, as "app_label.codename". Kept here so the data migration and
# the tests read one list.
PERMISSIONS = {
    HANDLER: ["workflows.view_debt", "workflows.request_transition", "workflows.add_ledgerentry"],
    RESPONSIBLE: ["workflows.view_debt"],
    COMMITTEE: ["workflows.view_debt", VIEW_ALL_UNITS, "workflows.request_transition",
                "workflows.lift_supply_stop"],
    COMMITTEE_HEAD: ["workflows.view_debt", VIEW_ALL_UNITS, "workflows.request_transition",
                     "workflows.lift_supply_stop"],
    FINANCE: ["workflows.view_debt", "workflows.add_ledgerentry", "workflows.import_ledger"],
    BUSINESS: ["workflows.view_debt"],
    TECH: ["workflows.view_debt"],
    LEGAL: ["workflows.view_debt"],
    GM: ["workflows.view_debt", VIEW_ALL_UNITS],
    GM_OFFICE: ["workflows.view_debt", VIEW_ALL_UNITS],
    BOARD: ["workflows.view_debt", VIEW_ALL_UNITS],
    SHAREHOLDERS: ["workflows.view_debt", VIEW_ALL_UNITS],
    AUDITOR: ["workflows.view_debt", VIEW_ALL_UNITS],
    CUSTODIAN: ["workflows.view_debt"],
    INSPECTOR: ["workflows.view_debt"],
}


def sync_groups(Group, Permission):
    """Create each role's group with its permissions. Takes the model classes so the data
    migration can pass historical models; also used after a test database flush."""
    for code in LABELS:
        group, _created = Group.objects.get_or_create(name=code)
        for perm in PERMISSIONS.get(code, []):
            app_label, codename = perm.split(".")
            found = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            # A migration of an earlier state (approvals 0004) calls this before a later
            # permission exists; that permission's own migration grants it (e.g. workflows 0017).
            if found is not None:
                group.permissions.add(found)


# The attribute a user object keeps its role codes in (roles_of); the authentication backend
# (workflows.backends) fills it with the user's row, a change of the user's groups empties it.
ROLES_CACHE = "_qq_roles"


def roles_of(user) -> frozenset[str]:
    """The codes of the user's groups, read once per user object (issue 20 item 3): every request
    loads its user afresh, so a change of roles shows from the next request."""
    cached = getattr(user, ROLES_CACHE, None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True)) if user.is_authenticated else frozenset()
        setattr(user, ROLES_CACHE, cached)
    return cached
