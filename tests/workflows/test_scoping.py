import pytest
from django.http import Http404

from tests import factories as f
from workflows.scoping import debts_for, get_debt_for


def test_unit_scope_includes_children_only(people, org):
    in_a = f.debt(org["a"], people["handler"])
    in_a1 = f.debt(org["a1"], people["handler"])
    in_b = f.debt(org["b"], people["handler_b"])
    assert set(debts_for(people["handler"])) == {in_a, in_a1}
    assert set(debts_for(people["handler_b"])) == {in_b}
    with pytest.raises(Http404):
        get_debt_for(people["handler"], pk=in_b.pk)


@pytest.mark.parametrize("role", ["committee", "committee_head", "gm", "gm_office", "board", "shareholders",
                                  "auditor"])
def test_group_level_roles_see_every_unit(role, people, org):
    debts = {f.debt(org["a"], people["handler"]), f.debt(org["b"], people["handler_b"])}
    assert set(debts_for(people[role])) == debts


def test_user_without_role_or_unit_sees_nothing(people, org):
    f.debt(org["a"], people["handler"])
    assert not debts_for(f.user("nobody", None, org["a"])).exists()
    assert not debts_for(f.user("unitless", "handler", None)).exists()


def test_unit_cannot_be_its_own_ancestor(org):
    from django.core.exceptions import ValidationError

    hq = org["hq"]
    hq.parent = org["a1"]
    with pytest.raises(ValidationError):
        hq.full_clean()
