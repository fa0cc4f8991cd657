"""Who may do what in the archive, by role. Which debts a user sees is workflows.scoping's
job; documents.access puts the two together for one object."""
from enum import StrEnum

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from workflows import roles
from workflows.models import User

# Views pass request.user, which is AnonymousUser before login; services pass None for the system.
AnyUser = User | AnonymousUser | None

SEAL_ROLES = {roles.COMMITTEE, roles.COMMITTEE_HEAD}
UPLOAD_ROLES = {roles.HANDLER, roles.COMMITTEE, roles.COMMITTEE_HEAD, roles.FINANCE, roles.LEGAL, roles.TECH,
                roles.BUSINESS}


class Act(StrEnum):
    """What a user wants to do with a case file, a document or the archive as a whole."""

    READ = "read"              # open, preview, download
    EXPORT = "export"          # the case file as a verifiable zip: whoever may read it
    UPLOAD = "upload"
    SEAL = "seal"
    LEGAL_HOLD = "legal_hold"
    HANDOVER = "handover"      # start a handover export of a unit's archive
    OVERSEE = "oversee"        # archive-wide pages: integrity checks, handover jobs, access log


def _groups(user: AnyUser) -> set[str]:
    if not user or not user.is_authenticated:
        return set()
    return set(user.groups.values_list("name", flat=True))


def _acting(user: AnyUser, groups: set[str], allowed: set[str]) -> bool:
    return bool(user and user.is_authenticated and user.is_active and roles.AUDITOR not in groups
                and (groups & allowed))


def is_auditor(user: AnyUser) -> bool:
    """Auditors read everything and write nothing, even if they hold another role too."""
    return roles.AUDITOR in _groups(user)


def may_upload(user: AnyUser) -> bool:
    return _acting(user, _groups(user), UPLOAD_ROLES)


def may_seal(user: AnyUser) -> bool:
    """Sealing, the legal hold and the handover export are the 清欠办's."""
    return _acting(user, _groups(user), SEAL_ROLES)


def may_oversee(user: AnyUser) -> bool:
    """The archive-wide pages name debts and documents of every unit: 清欠办 and auditors."""
    groups = _groups(user)
    return roles.AUDITOR in groups or _acting(user, groups, SEAL_ROLES)


def refusal(user: AnyUser, act: Act) -> str | None:
    """Why `user` may not do `act` (a message for them), or None when they may."""
    act = Act(act)
    if act in (Act.READ, Act.EXPORT):
        return None  # reading is scoping's question (workflows.view_debt and the user's units)
    groups = _groups(user)  # one query for the whole decision
    if act == Act.OVERSEE:
        if roles.AUDITOR in groups or _acting(user, groups, SEAL_ROLES):
            return None
        return _("只有清欠办和审计可以查看档案移交")
    if roles.AUDITOR in groups:
        return _("审计人员只能查阅档案，不能修改")
    if act == Act.UPLOAD:
        return None if _acting(user, groups, UPLOAD_ROLES) else _("没有上传档案文件的权限")
    if _acting(user, groups, SEAL_ROLES):
        return None
    return {Act.SEAL: _("只有清欠办可以封档"),
            Act.LEGAL_HOLD: _("只有清欠办可以设置法律保全"),
            Act.HANDOVER: _("只有清欠办可以导出移交档案")}[act]


def require(user: AnyUser, act: Act, message: str | None = None) -> None:
    """PermissionDenied (403) unless `user` may do `act`; `message` replaces the default one."""
    reason = refusal(user, act)
    if reason is not None:
        raise PermissionDenied(message or reason)
