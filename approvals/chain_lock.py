"""The chain's lock: viewflow's SELECT ... FOR UPDATE NOWAIT on the chain process's row, retried
sooner. viewflow's SelectForUpdateLock sleeps 0.4-0.8 s before its first retry, while a chain's
lock is held for the tens of milliseconds of one claim or decision: under 50 approvers that
first sleep was the claim's and the completion's p95 (bench/RESULTS.md, load, 2026-12-04).
Retries here start at 10-15 ms and double, for about as long in all as viewflow's (~3-4 s), so
a request that loses the race waits about as long as the holder needs. NOWAIT stays: a request
never blocks inside the database on a chain's row, so two chains' locks taken in either order
cannot deadlock."""
import random
import time
from contextlib import contextmanager

from django.db import DatabaseError, transaction
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.lock import SelectForUpdateLock


class ChainLock(SelectForUpdateLock):
    def __init__(self, *, attempts: int = 9, first_sleep: float = 0.01):
        super().__init__(nowait=True, attempts=attempts)
        self.first_sleep = first_sleep

    def pause(self, attempt: int) -> float:
        """Seconds to wait after failed attempt `attempt` (0-based): doubling, with jitter so
        that two waiters do not retry in step."""
        return self.first_sleep * 2 ** attempt * (1 + random.random() / 2)

    @contextmanager
    def __call__(self, flow_class, process_pk):
        for attempt in range(self.attempts):
            with transaction.atomic():
                try:
                    (flow_class.process_class._default_manager.filter(pk=process_pk)
                     .select_for_update(nowait=True).exists())
                except DatabaseError:
                    if attempt == self.attempts - 1:
                        raise FlowLockFailed(f"Lock failed for {flow_class}") from None
                else:
                    yield
                    return
            time.sleep(self.pause(attempt))
