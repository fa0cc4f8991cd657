"""The authentication backend: Django's ModelBackend, whose user of a request comes with its
permissions and roles in the same statement (issue 20 item 3).

Every request loads its user from the session; ModelBackend then reads the user's own and the
groups' permissions in two more statements at the first has_perm (unit scope, rule R8.5, asks
on nearly every page), and the roles (rule R1.1) cost a third. Here the user's row carries all
three as aggregated subqueries, and the caches ModelBackend and roles.roles_of keep per user
object are filled from them: the same answers, one statement instead of four. A superuser's
permissions are every permission, which ModelBackend finds itself; an inactive user has none.
"""
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.db.models import Aggregate, CharField, Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Concat

from workflows.models import User

from .roles import ROLES_CACHE

SEPARATOR = ","  # permission codenames and app labels are identifiers: no comma in them


class _Joined(Aggregate):
    """The values of a group joined by SEPARATOR: GROUP_CONCAT on SQLite, STRING_AGG on PostgreSQL."""

    function = "GROUP_CONCAT"
    template = f"%(function)s(%(expressions)s, '{SEPARATOR}')"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function="STRING_AGG", **extra)


def _joined(queryset, group_by: str, value) -> Subquery:
    return Subquery(queryset.order_by().values(group_by).annotate(joined=_Joined(value)).values("joined")[:1],
                    output_field=CharField())


def _split(joined: str | None) -> set[str]:
    return set(joined.split(SEPARATOR)) if joined else set()


def with_permissions(users):
    """`users` annotated with the joined names of their own permissions, their groups'
    permissions and their groups (what from_row reads)."""
    perm_name = Concat(F("permission__content_type__app_label"), Value("."), F("permission__codename"),
                       output_field=CharField())
    return users.annotate(
        _qq_user_perms=_joined(User.user_permissions.through.objects.filter(user_id=OuterRef("pk")),
                               "user_id", perm_name),
        _qq_group_perms=_joined(Group.permissions.through.objects.filter(group__user=OuterRef("pk")),
                                "group__user", perm_name),
        _qq_role_names=_joined(User.groups.through.objects.filter(user_id=OuterRef("pk")),
                               "user_id", F("group__name")),
        # A group's name is typed in the admin and may hold the separator: counted, so that such
        # a name is never split into roles (roles_of then reads them itself).
        _qq_role_count=Subquery(User.groups.through.objects.filter(user_id=OuterRef("pk")).order_by()
                                .values("user_id").annotate(n=Count("pk")).values("n")[:1],
                                output_field=IntegerField()),
    )


def from_row(user: User) -> User:
    """Fill ModelBackend's permission caches and the roles cache from with_permissions' columns."""
    names = (user.__dict__.pop("_qq_role_names", None) or "").split(SEPARATOR)
    count = user.__dict__.pop("_qq_role_count", None) or 0
    names = [name for name in names if name] if count else []
    if len(names) == count:
        setattr(user, ROLES_CACHE, frozenset(names))
    own = _split(user.__dict__.pop("_qq_user_perms", None))
    groups = _split(user.__dict__.pop("_qq_group_perms", None))
    if user.is_active and not user.is_superuser:
        user._user_perm_cache = own
        user._group_perm_cache = groups
        user._perm_cache = own | groups
    return user


def user_where(**lookup) -> User | None:
    """The user matching `lookup`, with its permissions and roles, in one statement (or None)."""
    user = with_permissions(User._default_manager.filter(**lookup)).first()
    return None if user is None else from_row(user)


class PermissionsBackend(ModelBackend):
    def get_user(self, user_id):
        user = user_where(pk=user_id)
        if user is None or not self.user_can_authenticate(user):
            return None
        return user

