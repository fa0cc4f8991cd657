"""The yardstick's debt: a balance and a django-fsm-2 state, written off by the flow's function
node; and the process that carries it (a Process subclass, as our ChainProcess is)."""
from decimal import Decimal

from django.db import models
from django_fsm import FSMField, transition
from viewflow.workflow.models import Process


class Debt(models.Model):
    code = models.CharField(max_length=32, unique=True)
    balance = models.DecimalField(max_digits=16, decimal_places=2)
    written_off_amount = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0.00"))
    state = FSMField(default="overdue", protected=True)

    def __str__(self):
        return self.code

    @transition(field=state, source="overdue", target="written_off")
    def write_off(self):
        self.written_off_amount = self.balance
        self.balance = Decimal("0.00")


class DebtProcess(Process):
    debt = models.ForeignKey(Debt, on_delete=models.PROTECT, related_name="processes")

    class Meta:
        # One permission per step, held through a group per role (as our roles are groups).
        permissions = [("start_write_off", "Can request a write-off"), ("review", "Can review"),
                       ("instruct", "Can instruct"), ("authorise", "Can authorise")]

    def __str__(self):
        return f"write-off {self.debt_id}"
