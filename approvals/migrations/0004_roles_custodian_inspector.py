"""Roles 保管 (custodian) and 验收人员 (inspector) for chain A's receipt list: their claim
permissions on the chain process, and their groups in databases migrated before the roles existed."""
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

NEW_ROLES = ("custodian", "inspector")


def add_groups(apps, schema_editor):
    from workflows.roles import sync_groups

    # Permissions are normally created after migrate; the groups need role_custodian/role_inspector now.
    app_config = apps.get_app_config("approvals")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    sync_groups(Group, Permission)
    for code in NEW_ROLES:
        Group.objects.get(name=code).permissions.add(
            Permission.objects.get(content_type__app_label="approvals", codename=f"role_{code}"))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=NEW_ROLES).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("approvals", "0003_step_owner_copy"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='chainprocess',
            options={'default_permissions': ('add', 'change', 'delete', 'view', 'manage'), 'permissions': [('role_handler', 'role handler'), ('role_responsible', 'role responsible'), ('role_committee', 'role committee'), ('role_committee_head', 'role committee_head'), ('role_finance', 'role finance'), ('role_business', 'role business'), ('role_tech', 'role tech'), ('role_legal', 'role legal'), ('role_gm', 'role gm'), ('role_gm_office', 'role gm_office'), ('role_board', 'role board'), ('role_shareholders', 'role shareholders'), ('role_auditor', 'role auditor'), ('role_custodian', 'role custodian'), ('role_inspector', 'role inspector')], 'verbose_name': '审批流程', 'verbose_name_plural': '审批流程'},
        ),
        migrations.AlterField(
            model_name='authorityrule',
            name='body',
            field=models.CharField(choices=[('handler', '清欠专员/经办人'), ('responsible', '第一责任人'), ('committee', '清欠办'), ('committee_head', '清欠办主任(组长)'), ('finance', '财务部'), ('business', '经营管理部'), ('tech', '技术工程部'), ('legal', '法务部'), ('gm', '总经理'), ('gm_office', '总经理办公会'), ('board', '董事会'), ('shareholders', '股东大会'), ('auditor', '审计'), ('custodian', '保管'), ('inspector', '验收人员')], max_length=32, verbose_name='审批机构'),
        ),
        migrations.RunPython(add_groups, remove_groups),
    ]
