"""The tamper-evident record (issue 15, workflows.audit): the chains' heads, and the chains over
state changes, ledger entries and authorisations (rows already there are linked in id order)."""
from django.db import migrations, models

from workflows import audit

SPECS = (audit.STATE_CHANGES, audit.LEDGER_ENTRIES, audit.AUTHORISATIONS)


def forwards(apps, schema_editor):
    audit.install(schema_editor, *SPECS)


def backwards(apps, schema_editor):
    audit.uninstall(schema_editor, *SPECS)


class Migration(migrations.Migration):

    dependencies = [
        ('workflows', '0020_i15_truthful_triggers'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditHead',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('chain', models.CharField(max_length=63)),
                ('key', models.BigIntegerField()),
                ('seq', models.BigIntegerField()),
                ('hash', models.CharField(max_length=64)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('chain', 'key'), name='audit_head_one_per_chain')],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
