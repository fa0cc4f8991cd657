"""Chain C's shape in plain viewflow: start → review → instruction → authority → filing →
write_off (a function node) → end (`filing` is the product's finance filing of rule R4.48).
Each human step is claimable by the holders of its permission (a group per role holds it);
the lock is select_for_update, as in the product's flows (viewflow's recommendation for
PostgreSQL)."""
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.flow.views import CreateProcessView, UpdateProcessView
from viewflow.workflow.lock import select_for_update_lock

from .models import DebtProcess


class WriteOffFlow(flow.Flow):
    process_class = DebtProcess
    lock_impl = select_for_update_lock

    start = flow.Start(CreateProcessView.as_view(fields=["debt"])).Permission("vanilla.start_write_off").Next(
        this.review)
    review = flow.View(UpdateProcessView.as_view(fields=[])).Permission("vanilla.review").Next(this.instruction)
    instruction = flow.View(UpdateProcessView.as_view(fields=[])).Permission("vanilla.instruct").Next(this.authority)
    authority = flow.View(UpdateProcessView.as_view(fields=[])).Permission("vanilla.authorise").Next(this.filing)
    # The finance filing step; no permission of its own (that would be a migration of this
    # bench app): the authorising group holds it too, vanilla has no four eyes to mind.
    filing = flow.View(UpdateProcessView.as_view(fields=[])).Permission("vanilla.authorise").Next(this.write_off)
    write_off = flow.Function(this.write_off_debt).Next(this.end)
    end = flow.End()

    def write_off_debt(self, activation):
        debt = activation.process.debt
        debt.write_off()
        debt.save()
