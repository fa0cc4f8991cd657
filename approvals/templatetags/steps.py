from django import template

from approvals.step_titles import shown

register = template.Library()


@register.filter
def step_title(stored):
    """A stored step title in the reader's language (approvals.step_titles)."""
    return shown(stored or "")
