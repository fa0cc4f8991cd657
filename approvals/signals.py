"""Receivers of lower layers' signals. (StepInfo's copy of its task's owner and open flag is
kept by a trigger on viewflow's task, migration 0027, not by a receiver here.)"""
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from workflows.models import User
from workflows.roles import ROLES_CACHE


@receiver(m2m_changed, sender=User.groups.through)
def forget_roles(sender, instance, action: str, **kwargs) -> None:
    """workflows.roles.roles_of and ModelBackend keep a user object's roles and its groups'
    permissions (workflows.backends fills both); a change through that object forgets them."""
    if action.startswith("post_") and isinstance(instance, User):
        for cache in (ROLES_CACHE, "_group_perm_cache", "_perm_cache"):
            instance.__dict__.pop(cache, None)
