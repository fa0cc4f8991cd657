"""Template filters every page uses: `{% load qq %}`."""
from decimal import Decimal, InvalidOperation

from django import template

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
