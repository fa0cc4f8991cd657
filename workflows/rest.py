"""What every app's REST API shares: the permission to see debts at all, and form errors as
field-named messages,
Idempotency-Key handling (R8.16) (each API view of every app uses these, so they live in the core)."""
import datetime
import functools
import hashlib
import json

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, permissions, status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework.response import Response

from workflows.backends import user_where
from workflows.models import IdempotencyKey


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, whose user comes with its permissions and roles in the token's
    own statement, as the session's user does (workflows.backends; issue 20 item 3): DRF's own
    loads the token with its user, then ModelBackend reads the permissions in two statements more
    and roles.roles_of the roles in a third, on every API request."""

    def authenticate_credentials(self, key):
        user = user_where(auth_token__key=key)
        if user is None:
            raise AuthenticationFailed(_("Invalid token."))   # DRF's own messages and translations
        if not user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        return user, Token(key=key, user=user)


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


def _body_sha256(request) -> str:
    """The request's parsed body, canonical (multipart boundaries differ between two sends of the
    same form), uploaded files by their content."""
    data = request.data
    items = {k: data.getlist(k) for k in data} if hasattr(data, "getlist") else data
    digest = hashlib.sha256()

    def encode(value):
        if isinstance(value, UploadedFile):
            file_digest = hashlib.sha256()
            for chunk in value.chunks():
                file_digest.update(chunk)
            value.seek(0)
            return {"file": value.name, "sha256": file_digest.hexdigest()}
        return str(value)

    digest.update(json.dumps(items, sort_keys=True, default=encode).encode())
    return digest.hexdigest()


def idempotent(view_method):
    """R8.16: a POST carrying an Idempotency-Key is done once per (user, key). The key row is
    inserted first and committed, so a second identical request — even one arriving at the same
    moment — finds it (the unique constraint makes the later insert wait and fail) and never does
    the work again: it gets the first answer replayed, or 409 while the first is still running;
    the same key with another body (or another endpoint) is 422. Only a 2xx answer is kept: a
    refused request (4xx/5xx) frees its key so a corrected retry may reuse it."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()
        if request.method != "POST" or not key or not request.user.is_authenticated:
            return view_method(self, request, *args, **kwargs)
        if len(key) > 255:
            raise ValidationError({"Idempotency-Key": [_("Idempotency-Key 过长（最多 255 个字符）")]})
        method_path = f"{request.method} {request.path}"
        body = _body_sha256(request)
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(user=request.user, key=key, method_path=method_path,
                                                    body_sha256=body)
        except IntegrityError:
            row = IdempotencyKey.objects.get(user=request.user, key=key)
            if row.method_path != method_path or row.body_sha256 != body:
                return Response({"detail": _("该 Idempotency-Key 已用于另一个请求（请求内容或地址不同）；"
                                             "请为新的请求使用新的键")},
                                status=status.HTTP_422_UNPROCESSABLE_ENTITY)
            if row.status is None:
                return Response({"detail": _("使用该 Idempotency-Key 的请求仍在处理中，请稍后重试")},
                                status=status.HTTP_409_CONFLICT)
            return Response(row.response, status=row.status, headers={"Idempotent-Replayed": "true"})
        try:
            response = view_method(self, request, *args, **kwargs)
        except BaseException:
            IdempotencyKey.objects.filter(pk=row.pk).delete()
            raise
        if 200 <= response.status_code < 300:
            IdempotencyKey.objects.filter(pk=row.pk).update(
                status=response.status_code, response=json.loads(json.dumps(response.data, cls=DjangoJSONEncoder)))
        else:
            IdempotencyKey.objects.filter(pk=row.pk).delete()
        return response

    return wrapper


def purge_idempotency_keys(*, now: datetime.datetime | None = None) -> int:
    """Keys older than QQ_IDEMPOTENCY_HOURS go (nightly, with the expired sessions)."""
    cutoff = (now or timezone.now()) - datetime.timedelta(hours=settings.QQ_IDEMPOTENCY_HOURS)
    deleted, _ignored = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
