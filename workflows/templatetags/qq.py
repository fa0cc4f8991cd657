"""Template filters every page uses: `{% load qq %}`."""
from decimal import Decimal, InvalidOperation

from django import template
from django.utils import timezone

from workflows import holidays, roles
from workflows.triage import may_triage, queue_count

register = template.Library()

CENT = Decimal("0.01")


@register.filter
def money(value):
    """A CNY amount as people read it in both languages: thousands separators, two places
    (1,234,567.89; -1,000.00). Empty for no value; anything not a number is shown as it is."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError):
        return value
    return f"{amount:,.2f}"


@register.filter
def role_label(code):
    """A role (auth group) code as its name in the user's language: handler → 清欠专员/经办人."""
    return roles.LABELS.get(code, code)


@register.inclusion_tag("workflows/_holiday_warnings.html", takes_context=True)
def holiday_calendar_warnings(context):
    """The years whose statutory holidays are not entered, for administrators (rule R8.13)."""
    user = getattr(context.get("request"), "user", None)
    years = holidays.missing_years() if user is not None and user.is_staff else []
    return {"years": years, "can_add": bool(user and user.has_perm("workflows.add_holidaycalendar"))}


@register.filter
def days_until(day):
    """Whole days from today (Asia/Shanghai) to `day`: 0 on the day, negative once it has passed;
    None without a day. The limitation status (rules R5.8, R5.13) is read from it at render time, so it
    is right every day, not only on the day of the last clock run."""
    if not day:
        return None
    return (day - timezone.localdate()).days


@register.filter
def days_since(day):
    """Whole days from `day` to today (Asia/Shanghai): how long ago a deadline passed."""
    left = days_until(day)
    return None if left is None else -left


@register.simple_tag(takes_context=True)
def overdue_queue_count(context):
    """The 清欠办 overdue queue's size for the menu (rule R5.5); one COUNT on the partial index,
    computed once per request."""
    request = context.get("request")
    if request is None or not may_triage(request.user):
        return None
    if not hasattr(request, "_qq_overdue_queue_count"):
        request._qq_overdue_queue_count = queue_count()
    return request._qq_overdue_queue_count
