"""Keep StepInfo's copy of the task's owner and open flag in step with viewflow's task,
whichever path changed it (claim, delegation, escalation, viewflow's own views)."""
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflows.models import User
from workflows.roles import ROLES_CACHE

from .models import StepInfo

OPEN = {STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED}


def step_info_written(task: Task, *, open: bool) -> None:
    """The service that saves `task` has written its StepInfo's owner and open flag itself:
    sync_step_info does not write them again (issue 20 item 3)."""
    task._step_info_written = (task.owner_id, open)


@receiver(post_save, sender=Task)
def sync_step_info(sender: type[Task], instance: Task, created: bool = False, **kwargs) -> None:
    if created or instance.flow_task_type != "HUMAN":
        # A task just inserted has no StepInfo yet (nodes.ApprovalStep.on_created adds it), and
        # only human steps have one (start, end, split and join tasks do not).
        return
    is_open = instance.status in OPEN
    if getattr(instance, "_step_info_written", None) == (instance.owner_id, is_open):
        return
    (StepInfo.objects.filter(task_id=instance.pk)
     .exclude(owner_id=instance.owner_id, open=is_open)
     .update(owner_id=instance.owner_id, open=is_open))


@receiver(m2m_changed, sender=User.groups.through)
def forget_roles(sender, instance, action: str, **kwargs) -> None:
    """workflows.roles.roles_of and ModelBackend keep a user object's roles and its groups'
    permissions (workflows.backends fills both); a change through that object forgets them."""
    if action.startswith("post_") and isinstance(instance, User):
        for cache in (ROLES_CACHE, "_group_perm_cache", "_perm_cache"):
            instance.__dict__.pop(cache, None)
