"""Error reporting to a (self-hosted) Sentry when SENTRY_DSN is set; off by default.

No personal data is sent (send_default_pii off): users appear by id only, and the request id
of config.logs is a tag, so an event leads to its log lines."""
import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

from .logs import request_id


def _tag_request(event, hint):
    event.setdefault("tags", {})["request_id"] = request_id.get()
    return event


def init(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    sentry_sdk.init(dsn=dsn, environment=environment, send_default_pii=False,
                    traces_sample_rate=traces_sample_rate, before_send=_tag_request,
                    integrations=[DjangoIntegration(), CeleryIntegration()])
