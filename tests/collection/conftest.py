from datetime import date

import pytest

from collection.models import Letterhead
from tests import factories as f
from workflows import lifecycle
from workflows.models import State


def make_letterhead(unit, **kw):
    fields = dict(name="第一工程有限公司", address="广州市越秀区东风中路100号", postcode="510030",
                  contact_person="王清欠", telephone="020-83001234", doc_code="一工清",
                  account_name="第一工程有限公司", bank_name="中国工商银行广州东风路支行",
                  account_number="3602000109200012345")
    fields.update(kw)
    return Letterhead.objects.create(unit=unit, **fields)


@pytest.fixture
def letterhead(org):
    return make_letterhead(org["a"])


@pytest.fixture
def overdue(org, people, letterhead):
    debtor = f.debtor(name="广州恒基建材有限公司", address="广州市天河区体育西路1号", contact="李明")
    debt = f.debt(org["a"], people["handler"], people["responsible"], amount="120000.00", due=date(2025, 3, 31),
                  debtor_obj=debtor)
    lifecycle.apply_transition(debt.pk, State.OVERDUE)
    debt.refresh_from_db()
    return debt


def move_gated(debt, target, approver):
    f.authorise(debt, target, approver)
    lifecycle.apply_transition(debt.pk, target, by=approver)
    debt.refresh_from_db()
    return debt


@pytest.fixture
def visiting(overdue, people):
    return move_gated(overdue, State.VISIT, people["committee_head"])


@pytest.fixture
def in_legal(overdue, people):
    return move_gated(overdue, State.LEGAL, people["legal"])


@pytest.fixture(autouse=True)
def archive_in_tmp(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES,
                         "archive": {"BACKEND": "documents.storage.ArchiveFileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "archive")}}}
