"""Logging for every process: time (Asia/Shanghai), level, logger and the request id on every
line, as text or, with QQ_LOG_JSON=1, one JSON object per line for a log collector.

A request's id comes from X-Request-ID when the reverse proxy sets one (nginx: $request_id),
else a new one; it is sent back in the response header, so a user's report of an error can be
matched to its log lines (and to the Sentry event, which carries it as a tag)."""
import contextvars
import logging
import os
import re
import uuid

request_id = contextvars.ContextVar("request_id", default="-")
# What a client may send as its id: no spaces or control characters that could forge log lines.
SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = request_id.get()
        return True


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        rid = incoming if SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id.set(rid)
        request.request_id = rid
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response["X-Request-ID"] = rid
        return response


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"


def logging_config(*, level, json):
    formatter = ({"()": "pythonjsonlogger.json.JsonFormatter", "format": JSON_FIELDS,
                  "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}}
                 if json else {"format": TEXT_FORMAT})
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "config.logs.RequestIdFilter"}},
        "formatters": {"default": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "default",
                                 "filters": ["request_id"]}},
        "root": {"handlers": ["console"], "level": level},
    }


def env_logging():
    return logging_config(level=os.environ.get("LOG_LEVEL", "WARNING"),
                          json=os.environ.get("QQ_LOG_JSON", "").lower() in {"1", "true", "yes", "on"})
