"""The authentication backend (workflows.backends): the request's user brings its permissions
and roles in its own statement, and the answers are ModelBackend's."""
import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories as f
from workflows.backends import PermissionsBackend
from workflows.roles import ROLES_CACHE, VIEW_ALL_UNITS, roles_of

pytestmark = pytest.mark.django_db

PERMS = [VIEW_ALL_UNITS, "workflows.view_debt", "workflows.add_debt", "approvals.role_gm", "auth.add_group"]


@pytest.fixture
def mixed(org):
    """A person with two roles and a permission of their own."""
    person = f.user("mixed", ["committee", "finance"], org["a"])
    person.user_permissions.add(Permission.objects.get(codename="add_group"))
    return person


def test_the_user_of_a_request_answers_as_modelbackend_in_one_statement(mixed):
    with CaptureQueriesContext(connection) as ctx:
        loaded = PermissionsBackend().get_user(mixed.pk)
        answers = {perm: loaded.has_perm(perm) for perm in PERMS}
        roles = roles_of(loaded)
    assert len(ctx.captured_queries) == 1
    plain = type(mixed).objects.get(pk=mixed.pk)
    backend = ModelBackend()
    assert answers == {perm: backend.has_perm(plain, perm) for perm in PERMS}
    assert answers["auth.add_group"] and answers[VIEW_ALL_UNITS] and not answers["approvals.role_gm"]
    assert roles == {"committee", "finance"}
    assert loaded.get_user_permissions() == backend.get_user_permissions(plain) == {"auth.add_group"}
    assert loaded.get_group_permissions() == backend.get_group_permissions(plain)


def test_no_roles_and_no_permissions_are_empty_not_unknown(org):
    nobody = f.user("nobody", None, org["a"])
    loaded = PermissionsBackend().get_user(nobody.pk)
    assert getattr(loaded, ROLES_CACHE) == frozenset()
    with CaptureQueriesContext(connection) as ctx:
        assert not loaded.has_perm("workflows.view_debt")
    assert not ctx.captured_queries


def test_a_superuser_has_every_permission_and_an_inactive_user_is_not_loaded(org):
    boss = f.user("boss", None, org["hq"], is_superuser=True)
    assert PermissionsBackend().get_user(boss.pk).has_perm("auth.delete_group")
    gone = f.user("gone", "gm", org["hq"], is_active=False)
    assert PermissionsBackend().get_user(gone.pk) is None


def test_a_change_of_roles_shows_from_the_next_request(client, org):
    person = f.user("mover", "handler", org["a"])
    client.force_login(person)
    before = client.get("/approvals/inbox/").wsgi_request.user
    assert not before.has_perm("approvals.role_gm") and roles_of(before) == {"handler"}
    person.groups.add(Group.objects.get(name="gm"))
    after = client.get("/approvals/inbox/").wsgi_request.user
    assert after.has_perm("approvals.role_gm") and roles_of(after) == {"handler", "gm"}


def test_a_change_through_the_same_object_forgets_what_it_kept(mixed):
    loaded = PermissionsBackend().get_user(mixed.pk)
    assert not loaded.has_perm("approvals.role_gm")
    loaded.groups.add(Group.objects.get(name="gm"))
    assert loaded.has_perm("approvals.role_gm") and "gm" in roles_of(loaded)


def test_a_group_name_with_the_separator_is_not_split_into_roles(org):
    """A group typed in the admin as "x,committee_head" gives no one the role committee_head."""
    odd = Group.objects.create(name="x,committee_head")
    person = f.user("odd", "handler", org["a"])
    person.groups.add(odd)
    loaded = PermissionsBackend().get_user(person.pk)
    assert roles_of(loaded) == {"handler", "x,committee_head"}
