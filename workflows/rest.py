"""What every app's REST API shares: the permission to see debts at all, and form errors as
field-named messages (each API view of every app uses these, so they live in the core)."""
from django.utils.translation import gettext as _
from rest_framework import permissions


class MayViewDebts(permissions.BasePermission):
    message = _("没有查看债权的权限")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.has_perm("workflows.view_debt"))


def form_errors(form):
    """A form's errors as {field: ["中文: problem"]} — each message names its field."""
    out = {}
    for field, errors in form.errors.items():
        label = str(form.fields[field].label) if field in form.fields else ""
        out[field] = [e if not label or str(e).startswith(label) else f"{label}：{e}" for e in errors]
    return out
