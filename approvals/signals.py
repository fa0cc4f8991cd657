"""Keep StepInfo's copy of the task's owner and open flag in step with viewflow's task,
whichever path changed it (claim, delegation, escalation, viewflow's own views)."""
from django.db.models.signals import post_save
from django.dispatch import receiver
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from .models import StepInfo

OPEN = {STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED}


@receiver(post_save, sender=Task)
def sync_step_info(sender: type[Task], instance: Task, **kwargs) -> None:
    is_open = instance.status in OPEN
    (StepInfo.objects.filter(task_id=instance.pk)
     .exclude(owner_id=instance.owner_id, open=is_open)
     .update(owner_id=instance.owner_id, open=is_open))
