"""Out-of-scope flow routes answer 404 (rule R8.5): every route viewflow makes for a flow —
the process pages (detail, chart, cancel) and each node's task routes (index, detail, execute,
assign, unassign, cancel, undo, revive) of every node kind, also Start, End, Split, Join,
Switch — is wrapped so that the flow's access check runs first. viewflow's own checks answer
403, which would tell that the object exists.

The app that mounts a flow passes its check: `check(user, process_pk=..., task_pk=...)` raises
Http404 when the user may not read that process (and task). Anonymous visitors go on to
viewflow, which sends them to the login page.
"""
from collections.abc import Callable, Iterable
from functools import update_wrapper

from django.urls import URLPattern, URLResolver

ScopeCheck = Callable[..., None]


def _wrap(view: Callable, check: ScopeCheck) -> Callable:
    if getattr(view, "checks_scope", False):
        # The view runs the same check itself, after taking the flow's lock, on the task it loads
        # once under it (approvals.nodes' execute route, issue 20 item 3).
        return view

    def scoped(request, *args, **kwargs):
        if request.user.is_authenticated and "process_pk" in kwargs:
            check(request.user, process_pk=kwargs["process_pk"], task_pk=kwargs.get("task_pk"))
        return view(request, *args, **kwargs)

    return update_wrapper(scoped, view)


def scoped(patterns: Iterable, check: ScopeCheck) -> list:
    """`patterns` with every route that takes a process (and task) behind `check`."""
    out = []
    for p in patterns:
        if isinstance(p, URLResolver):
            out.append(URLResolver(p.pattern, scoped(p.url_patterns, check), p.default_kwargs, p.app_name,
                                   p.namespace))
        elif isinstance(p, URLPattern):
            out.append(URLPattern(p.pattern, _wrap(p.callback, check), p.default_args, p.name))
        else:
            out.append(p)
    return out
