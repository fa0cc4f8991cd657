"""Keep StepInfo's copy of the task's owner and open flag in step with viewflow's task,
whichever path changed it (claim, delegation, escalation, viewflow's own views)."""
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflows.models import User

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
    """four_eyes.roles_of keeps a user object's roles; a change through that object forgets them."""
    if action.startswith("post_") and isinstance(instance, User):
        instance.__dict__.pop("_qq_roles", None)
