"""Who takes part in a chain (rule R4.120): the people who may comment on it, and who hear of a
comment. A selector: one queryset, read by access.get_process_to_comment and comments.py."""
from django.db.models import Q, QuerySet

from workflows.models import User
from workflows.roles import COMMITTEE, COMMITTEE_HEAD

from .four_eyes import eligible_users
from .models import ChainCopy, ChainProcess, Decision, StepInfo

# 清欠办 (its members and its 主任) oversees every chain (rule R1.1): always a participant.
OVERSEEING_ROLES = (COMMITTEE, COMMITTEE_HEAD)


def participants(process: ChainProcess) -> QuerySet[User]:
    """Active people taking part in `process`: the requester; everybody who decided a step (and
    whom a delegate decided for); the assignee of each open step or, unclaimed, those who may
    claim it (four_eyes.eligible_users); everybody copied (rule R4.121); 清欠办."""
    decided = Decision.objects.filter(process=process)
    condition = (Q(pk=process.requested_by_id)
                 | Q(pk__in=decided.values("by"))
                 | Q(pk__in=decided.filter(on_behalf_of__isnull=False).values("on_behalf_of"))
                 | Q(pk__in=ChainCopy.objects.filter(process=process).values("user"))
                 | Q(pk__in=User.objects.filter(groups__name__in=OVERSEEING_ROLES).values("pk")))
    for info in StepInfo.objects.filter(process=process, open=True).select_related("task"):
        if info.owner_id is not None:
            condition |= Q(pk=info.owner_id)
        else:
            condition |= Q(pk__in=eligible_users(info.task.flow_task, process, task=info.task).values("pk"))
    return User.objects.filter(condition, is_active=True)


def takes_part(user: User, process: ChainProcess) -> bool:
    return user.is_authenticated and participants(process).filter(pk=user.pk).exists()
