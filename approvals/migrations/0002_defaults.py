"""Defaults: the authority matrix of rule R4.46 (version 1), each role's claim permission
granted to its group, and the composite indexes on viewflow's task table the inbox needs."""
from decimal import Decimal

from django.contrib.auth.management import create_permissions
from django.db import migrations

DEFAULT_RULES = [
    (Decimal("500000.00"), "gm_office"),
    (Decimal("5000000.00"), "board"),
    (None, "shareholders"),
]


def add_defaults(apps, schema_editor):
    from datetime import date

    from workflows.roles import LABELS

    Matrix = apps.get_model("approvals", "AuthorityMatrix")
    Rule = apps.get_model("approvals", "AuthorityRule")
    matrix = Matrix.objects.create(version=1, effective_from=date(2000, 1, 1),
                                   note="规则 R4.46 默认值：≤50万 总经理办公会；≤500万 董事会；以上 股东大会")
    for max_amount, body in DEFAULT_RULES:
        Rule.objects.create(matrix=matrix, max_amount=max_amount, body=body)

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for code in LABELS:
        # Roles added later (0004) have no permission in this migration's model state yet.
        perm = Permission.objects.filter(content_type__app_label="approvals", codename=f"role_{code}").first()
        if perm is not None:
            group, _ = Group.objects.get_or_create(name=code)
            group.permissions.add(perm)


def remove_defaults(apps, schema_editor):
    apps.get_model("approvals", "AuthorityRule").objects.filter(matrix__version=1).delete()
    apps.get_model("approvals", "AuthorityMatrix").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0001_initial"),
        ("workflows", "0002_roles"),
        ("viewflow", "0015_task_scheduled"),
    ]
    operations = [
        migrations.RunPython(add_defaults, remove_defaults),
        # viewflow ships single-column indexes only (VIEWFLOW_NOTES): the inbox filters on
        # status with owner or owner_permission together.
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS qq_task_status_owner ON viewflow_task (status, owner_id)",
            "DROP INDEX IF EXISTS qq_task_status_owner",
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS qq_task_status_perm ON viewflow_task (status, owner_permission)",
            "DROP INDEX IF EXISTS qq_task_status_perm",
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS qq_process_flow_class ON viewflow_process (flow_class)",
            "DROP INDEX IF EXISTS qq_process_flow_class",
        ),
    ]
