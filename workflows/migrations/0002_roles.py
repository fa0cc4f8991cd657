"""Create the roles of rule R1.1 as groups with their permissions.

The role list is frozen here as it was when this migration was written: roles added later
come with migrations of their own (e.g. approvals 0004), so replaying history never depends
on today's workflows.roles.
"""
from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = "workflows.view_debt"
ALL = "workflows.view_all_units"
REQUEST = "workflows.request_transition"
ROLES = {
    "handler": [VIEW, REQUEST, "workflows.add_ledgerentry"],
    "responsible": [VIEW],
    "committee": [VIEW, ALL, REQUEST],
    "committee_head": [VIEW, ALL, REQUEST],
    "finance": [VIEW, "workflows.add_ledgerentry", "workflows.import_ledger"],
    "business": [VIEW],
    "tech": [VIEW],
    "legal": [VIEW],
    "gm": [VIEW, ALL],
    "gm_office": [VIEW, ALL],
    "board": [VIEW, ALL],
    "shareholders": [VIEW, ALL],
    "auditor": [VIEW, ALL],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after migrate; they are needed now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for code, perms in ROLES.items():
        group, _created = Group.objects.get_or_create(name=code)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, remove_roles)]
