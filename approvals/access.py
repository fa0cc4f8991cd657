"""May this user read this approval task / chain process? One helper per object kind, called by
every page, API view and viewflow route that loads one (as healthchecks.io's
`_get_rw_check_for_user`).

Reading follows the debt: a chain or a task of a debt outside the user's units (workflows.scoping)
is answered with 404, so its existence is not disclosed. A task assigned to the user (by a
delegation or an escalation) is theirs to read wherever its debt is. Acting on a task is the
node's question on top of this one (nodes.ApprovalStep.can_assign / can_execute: roles, units,
four eyes).

Two kinds of reader come on top of the debt's scope (rule R4.122): a person copied on a chain
(ChainCopy) reads that chain's process and task pages, read-only — deciding stays the node's
question, which a copy never answers. Commenting (rule R4.120) is for the chain's participants
(participants.py) only: anyone else, even with the debt in scope, gets 404.
"""
from contextlib import contextmanager

from django.db.models import Exists, OuterRef, Subquery
from django.http import Http404
from django.utils.translation import gettext as _
from viewflow.workflow.lock import lock_scope
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflows.models import User
from workflows.scoping import debt_in_scope, debts_for

from . import four_eyes
from .chain_lock import ChainLock
from .models import ChainCopy, ChainProcess, Outcome
from .notifications import KNOWN_CHANNEL, has_active_channel
from .participants import takes_part


def _debt_in_scope(user: User, debt_id: int) -> bool:
    return debts_for(user).filter(pk=debt_id).exists()


def _copied(user: User, process_id: int) -> bool:
    return user.is_authenticated and ChainCopy.objects.filter(process_id=process_id, user_id=user.pk).exists()


def get_task_for(user: User, pk: int) -> Task:
    """The approval task `pk` (one with a StepInfo) when `user` may read it; else Http404."""
    task = Task.objects.select_related("process", "step_info").filter(pk=pk).first()
    if task is None or not hasattr(task, "step_info"):  # no such task, or not an approval step's
        raise Http404("No approval task matches the given query.")
    assigned_to_user = task.owner_id is not None and task.owner_id == user.pk
    if (not assigned_to_user and not _debt_in_scope(user, task.step_info.debt_id)
            and not _copied(user, task.process_id)):
        raise Http404("No approval task matches the given query.")
    return task


# Every chain's flow locks with this (flows.ChainFlow.lock_impl): the chain process's row,
# SELECT ... FOR UPDATE NOWAIT, retried (chain_lock).
CHAIN_LOCK = ChainLock()


class _Chains:
    """What viewflow's lock reads of a flow class: the table whose row it locks."""

    process_class = ChainProcess


@contextmanager
def task_under_lock(pk: int, user: User, *, deciding: bool = False):
    """The chain's lock (CHAIN_LOCK, the row flows.ChainFlow.lock takes), found by the lock
    statement itself, then task `pk` as load_task(for_user=user) loads it (None when there is no
    such task) in a statement of its own: PostgreSQL takes a statement's snapshot before the
    statement locks, so one statement locking and loading could read the task, its StepInfo and
    the four-eyes facts as they were before the last holder of the lock committed (a second
    claim over the first, a decision taken twice). A transaction is open inside it."""
    pk = _id_or_404(pk)
    process_id = Subquery(Task.objects.filter(pk=pk).order_by().values("process_id")[:1])
    with lock_scope(CHAIN_LOCK, _Chains, process_id):
        yield load_task(pk, for_user=user, deciding=deciding)


@contextmanager
def locked_task_for(user: User, pk: int, *, deciding: bool = False):
    """The approval task `pk` loaded once, under the chain's lock, when `user` may read it
    (get_task_for's rule); else Http404. A transaction is open inside it. deciding: as
    load_task's."""
    with task_under_lock(pk, user, deciding=deciding) as task:
        yield _readable_or_404(user, task)


# Set by load_task(deciding=True) on the task: whether the user it was loaded for holds another
# claimed task of its chain, the ones deciding this one may hand back (decisions._release_barred).
OTHER_CLAIMED = "qq_other_claimed"


def load_task(pk: int, *, for_user: User | None = None, deciding: bool = False) -> Task | None:
    """Task `pk` with what reading and deciding it needs (its process, chain process, debt,
    requester and StepInfo) in one statement: task.process.coerced and the activation then read
    no more. With for_user, the statement also answers four eyes' questions about that user
    (four_eyes.facts_of), which why_not then does not ask again. deciding (the user is about to
    decide it, under the chain's lock): also whether the requester has a chat channel, which
    notify() then does not ask when the step ends the chain, and whether the user holds another
    claimed task of the chain (OTHER_CLAIMED), which deciding then does not search for. Only
    then: each costs ~0.3-0.4 ms of building and compiling the statement (measured on the task
    load, 300 calls), more than a claim would save."""
    tasks = Task.objects.select_related("process__chainprocess__debt", "process__chainprocess__requested_by",
                                        "step_info")
    if deciding:
        tasks = tasks.annotate(requester_channel=has_active_channel("process__chainprocess__requested_by_id"))
    if for_user is not None and for_user.is_authenticated:
        tasks = tasks.annotate(**four_eyes.facts_of(for_user))
        if deciding:
            tasks = tasks.annotate(**{OTHER_CLAIMED: Exists(Task.objects.filter(
                process_id=OuterRef("process_id"), owner=for_user, status=STATUS.ASSIGNED).exclude(pk=OuterRef("pk")))})
    task = tasks.filter(pk=pk).first()
    process = getattr(task.process, "chainprocess", None) if deciding and task is not None else None
    if process is not None and process.requested_by is not None:
        # Told to notify() with the requester, whom the step's ending notifies.
        setattr(process.requested_by, KNOWN_CHANNEL, task.requester_channel)
    if task is not None and for_user is not None and for_user.is_authenticated:
        setattr(task, four_eyes.PRELOADED_FOR, for_user.pk)
    return task


def task_visible_to(user: User, task: Task) -> bool:
    """check_flow_route's and get_task_for's rule on a loaded task: assigned to the user, or its
    debt in the user's scope (rule R8.5)."""
    if task.owner_id is not None and task.owner_id == user.pk:
        return True
    process = getattr(task.process, "chainprocess", None)
    return process is not None and debt_in_scope(user, process.debt)


def _readable_or_404(user: User, task: Task | None) -> Task:
    if task is None or not hasattr(task, "step_info") or not (task_visible_to(user, task)
                                                              or _copied(user, task.process_id)):
        raise Http404("No approval task matches the given query.")
    return task


def check_flow_route(user: User, *, process_pk: int, task_pk: int | None = None) -> None:
    """viewflow's own routes of a chain (workflows.flow_routes): the process page, chart and
    cancel, and every node's task routes, Start, End, Split and Join included. The process's
    debt must be in scope, or the task (of that process) assigned to the user; else Http404."""
    if task_pk is None:
        # viewflow's own process pages stay with the debt's scope; a copy opens ours (R4.122).
        debt_id = ChainProcess.objects.filter(pk=process_pk).values_list("debt_id", flat=True).first()
        if debt_id is None or not _debt_in_scope(user, debt_id):
            raise Http404("No approval chain matches the given query.")
        return
    row = (Task.objects.filter(pk=task_pk, process_id=process_pk)
           .values_list("owner_id", "process__chainprocess__debt_id").first())
    if row is None:
        raise Http404("No approval task matches the given query.")
    owner_id, debt_id = row
    if not (owner_id is not None and owner_id == user.pk) and (debt_id is None or not _debt_in_scope(user, debt_id)):
        raise Http404("No approval task matches the given query.")


def _id_or_404(pk) -> int:
    """An id the database can hold: a URL's digits beyond 64 bits are no chain (SQLite raises
    OverflowError on them instead of finding nothing)."""
    try:
        value = int(pk)
    except (TypeError, ValueError):
        raise Http404("No approval chain matches the given query.") from None
    if not 0 < value < 2**63:
        raise Http404("No approval chain matches the given query.")
    return value


def get_process_for(user: User, pk: int) -> ChainProcess:
    """The chain process `pk` when its debt is in `user`'s scope or `user` was copied on it
    (rule R4.122); else Http404."""
    process = ChainProcess.objects.select_related("debt").filter(pk=_id_or_404(pk)).first()
    if process is None or not (_debt_in_scope(user, process.debt_id) or _copied(user, process.pk)):
        raise Http404("No approval chain matches the given query.")
    return process


def get_process_to_comment(user: User, pk: int) -> ChainProcess:
    """The chain process `pk` when `user` takes part in it (rule R4.120); else Http404, also for
    a reader who has the debt in scope but no part in the chain."""
    process = ChainProcess.objects.select_related("debt").filter(pk=_id_or_404(pk)).first()
    if process is None or not takes_part(user, process):
        raise Http404("No approval chain matches the given query.")
    return process


OPEN_STATUSES = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


def closed_message(task_pk: int) -> str | None:
    """Why task `task_pk` can no longer be claimed or decided (done, or cancelled with its chain),
    in the user's language; None while it is open. Pages and the API answer 409 with it."""
    row = (Task.objects.filter(pk=task_pk)
           .values_list("status", "process__chainprocess__outcome").first())
    return None if row is None else closed_message_of(*row)


def holders_open_task(user: User, pk) -> Task | None:
    """Task `pk` (its node, owner and status only) when `user` holds it open; else None. For
    what is asked before the chain's lock (rule R8.17: the signing password); whatever is
    refused is refused again under the lock, where out of scope is 404."""
    if not user.is_authenticated:
        return None
    return (Task.objects.filter(pk=_id_or_404(pk), owner_id=user.pk, status__in=OPEN_STATUSES)
            .only("flow_task", "owner_id", "status").first())


def closed_message_for(task: Task) -> str | None:
    """closed_message of a task loaded under the chain's lock (load_task), without a statement."""
    process = getattr(task.process, "chainprocess", None)
    return closed_message_of(task.status, process.outcome if process is not None else None)


def closed_message_of(status: str, outcome: str | None) -> str | None:
    if status in OPEN_STATUSES:
        return None
    outcome_label = str(dict(Outcome.choices).get(outcome, "")) if outcome else ""
    if status == STATUS.DONE:
        message = _("该任务已办结，不能再次办理")
    else:
        message = _("该任务已取消，不能再办理")
    if outcome_label and outcome != Outcome.RUNNING:
        message = _("%(message)s（审批链%(outcome)s）") % {"message": message, "outcome": outcome_label}
    return message
