"""Which viewflow Flow runs each chain.

flows.py registers its Flow classes (approvals.apps imports it in ready()); the views and the
API look a chain up here. They cannot import flows.py: flows.py imports the views, to pass them
into its nodes.
"""
from viewflow.workflow.base import Flow

_FLOWS: dict[str, type[Flow]] = {}


def register(flow_class: type[Flow]) -> type[Flow]:
    """Register `flow_class` for its `chain` (usable as a class decorator)."""
    chain = flow_class.chain
    if chain in _FLOWS and _FLOWS[chain] is not flow_class:
        raise ValueError(f"chain {chain!r} already runs {_FLOWS[chain].__name__}")
    _FLOWS[chain] = flow_class
    return flow_class


def flow_for(chain: str) -> type[Flow]:
    """The Flow of `chain`; LookupError for a chain nobody registered."""
    try:
        return _FLOWS[chain]
    except KeyError:
        raise LookupError(f"no flow registered for chain {chain!r}") from None


def registered() -> dict[str, type[Flow]]:
    """{chain: Flow class}, in registration order."""
    return dict(_FLOWS)
