"""The embedded demo gives its companies letterheads, so its users can send letters (R9.13)."""
import pytest

from collection.letters import letterhead_for
from collection.models import Letterhead
from workflows import demo
from workflows.models import OrgUnit

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_a_letterhead_per_company_once(settings):
    settings.QQ_DEMO = True
    demo.seed(debt_count=1)
    demo.seed(debt_count=1)
    assert sorted(Letterhead.objects.values_list("unit__code", flat=True)) == ["HQ", "S1", "S2", "S3"]
    branch = OrgUnit.objects.get(code="S1-GZ")
    head = letterhead_for(branch)
    assert head.unit.code == "S1" and head.account_number and head.doc_code == "一工清"
