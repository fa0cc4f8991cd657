"""退回到指定步骤 (rule R4.131): which earlier steps of this chain run an approver may send the
chain back to, and which decisions a return made superseded (R4.132). Reads only.

Both walk the chain's decisions in order. An approval puts its step on the list of passed steps;
a return to a named step (a return to a chosen step, or a guard's redo, R4.47) takes that step
and the ones after it off again and supersedes their decisions; a return to the requester, or
their resubmission, starts the list anew (the chain restarts at its first review).
"""
from functools import cache

from viewflow.workflow import flow

from .models import ChainProcess, Decision, DecisionKind


@cache
def _parallel_steps(flow_class) -> frozenset[str]:
    """The nodes between a Split and its Join (chain A's receipt signatures): a return cannot
    reopen one of them alone, the Join would wait for the others for ever."""
    inside, queue = set(), []
    for node in flow_class.instance.nodes():
        if isinstance(node, flow.Split):
            queue.extend(n for n, *_rest in node._activate_next)
    while queue:
        node = queue.pop()
        if node is None or isinstance(node, flow.Join) or node.name in inside:
            continue
        inside.add(node.name)
        queue.append(getattr(node, "_next", None))
    return frozenset(inside)


def _walk(decisions: list[Decision]) -> tuple[list[str], set[int]]:
    """(the passed steps, in order; the pks of superseded decisions)."""
    passed: list[tuple[str, int]] = []      # (step, index of its standing decision)
    superseded: set[int] = set()
    for i, d in enumerate(decisions):
        if d.returned_to:
            at = next((k for k, (step, _i) in enumerate(passed) if step == d.returned_to), None)
            if at is not None:
                first = passed[at][1]
                superseded.update(x.pk for x in decisions[first:i]
                                  if x.decision != DecisionKind.SUBMIT and x.pk not in superseded)
                passed = passed[:at]
        elif d.decision == DecisionKind.APPROVE:
            # A step approved by several people (the members of a 会签, R4.150; added signers,
            # R4.157) stands from its first approval: a return to it supersedes all of them.
            if all(step != d.step for step, _k in passed):
                passed.append((d.step, i))
        elif d.decision in (DecisionKind.SUBMIT, DecisionKind.RETURN):
            passed = []
    return [step for step, _i in passed], superseded


def _decisions(process: ChainProcess) -> list[Decision]:
    return list(Decision.objects.filter(process=process).order_by("pk")
                .only("pk", "step", "decision", "returned_to"))


def offers_return_to(step) -> bool:
    """A reviewer's step that may return for rework may also return to a chosen earlier step; the
    requester's own steps may not."""
    return (step is not None and not getattr(step, "is_rework", True)
            and DecisionKind.RETURN in getattr(step, "decisions", ()))


def return_steps(process: ChainProcess, step) -> list[tuple[str, str]]:
    """[(node name, title)] of the earlier steps the chain may go back to from `step`: approved in
    this run and still standing, human approval steps outside a parallel section, not `step`."""
    if not offers_return_to(step):
        return []
    flow_class = process.flow_class
    parallel = _parallel_steps(flow_class)
    passed, _superseded = _walk(_decisions(process))
    rows = []
    for name in passed:
        node = flow_class.instance.node(name)
        if (name != step.name and name not in parallel and node is not None
                and hasattr(node, "decisions") and not getattr(node, "is_rework", True)
                and not getattr(node, "is_added", False)):   # a 加签 task is no step of the chain (R4.157)
            rows.append((name, str(node.task_title)))
    return rows


def superseded_ids(process: ChainProcess, decisions: list[Decision] | None = None) -> set[int]:
    """The pks of the decisions a later return to their step (or an earlier one) superseded: they
    stay in the record, the steps were decided again (rule R4.132)."""
    return _walk(decisions if decisions is not None else _decisions(process))[1]
