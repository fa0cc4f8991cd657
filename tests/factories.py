"""Small builders for test data, shared by every test module."""
import itertools
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import Group

from approvals.past_approvals import CHAIN_FOR_TARGET, record_past_approval
from workflows import ledger, lifecycle
from workflows.credit_code import make_code
from workflows.models import Contract, Debt, Debtor, EntryKind, OrgUnit, State, User

_seq = itertools.count(1)


def unit(code, name=None, parent=None):
    return OrgUnit.objects.get_or_create(code=code, defaults={"name": name or code, "parent": parent})[0]


def user(username, role=None, unit=None, password="pw-Qingqian-2026", **extra):
    if not Group.objects.filter(name="handler").exists():  # flushed by a transactional test
        from django.contrib.auth.models import Permission

        from workflows.roles import sync_groups
        sync_groups(Group, Permission)
    u = User.objects.create_user(username=username, password=password, unit=unit, **extra)
    for r in [role] if isinstance(role, str) else (role or []):
        u.groups.add(Group.objects.get(name=r))
    return u


def debtor(name=None, **extra):
    n = next(_seq)
    body = f"91110000{n:09d}"
    return Debtor.objects.create(name=name or f"债务人{n}", credit_code=make_code(body), **extra)


def debt(unit, handler, responsible=None, amount="1000.00", due=date(2025, 1, 31), debtor_obj=None,
         category="receivable", code=None):
    """A debt in state normal with one invoice entry of `amount`."""
    n = next(_seq)
    d = debtor_obj or debtor()
    contract = Contract.objects.create(unit=unit, number=f"HT-{n:05d}", debtor=d, due_on=due,
                                       amount=Decimal(amount))
    obj = Debt.objects.create(code=code or f"QQ-{n:06d}", debtor=d, contract=contract, category=category,
                              unit=unit, handler=handler, responsible=responsible or handler, due_date=due)
    if Decimal(amount) > 0:
        ledger.post_entry(obj.pk, EntryKind.INVOICE, Decimal(amount), due, by=handler, reference="INV")
    obj.refresh_from_db()
    return obj


def authorise(debt, target, approver, requester=None):
    """An unused authorisation for `debt` → `target` resting on an approved chain record, as the
    database demands for a gated move (issue 15; approvals.past_approvals). →sealed is the
    archive's (documents.services.seal_case_file): its authorisation is plain."""
    if target == State.SEALED or target not in CHAIN_FOR_TARGET:  # not a chain's edge (or no edge at all)
        return lifecycle.authorise(debt, target, approver, source="test")
    if requester is None:
        requester = debt.handler if debt.handler_id != approver.pk else debt.responsible
    return record_past_approval(debt=debt, target=target, requested_by=requester, approved_by=approver)
