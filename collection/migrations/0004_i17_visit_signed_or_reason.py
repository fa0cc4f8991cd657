"""Rule R9.4: a visit report has the debtor's signed record or the reason why none could be had;
the same report twice is refused. Reports recorded before the rule without a signed record are
given a reason that says so, so the new check holds for every row; they keep no fingerprint."""

from django.conf import settings
from django.db import migrations, models


LEGACY_REASON = "本规则生效前登记，未上传签字记录，也未登记原因"


def mark_legacy(apps, schema_editor):
    VisitReport = apps.get_model("collection", "VisitReport")
    VisitReport.objects.filter(signed_record__isnull=True, no_signature_reason="").update(
        no_signature_reason=LEGACY_REASON)


class Migration(migrations.Migration):

    dependencies = [
        ('collection', '0003_visit_signed_record'),
        ('documents', '0002_case_file_identity_fixed'),
        ('workflows', '0009_clock_edge_in_trigger_condition'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='visitreport',
            name='fingerprint',
            field=models.CharField(blank=True, editable=False, max_length=64, null=True, verbose_name='内容指纹'),
        ),
        migrations.AddField(
            model_name='visitreport',
            name='no_signature_reason',
            field=models.TextField(blank=True, verbose_name='未取得签字的原因'),
        ),
        migrations.RunPython(mark_legacy, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='visitreport',
            constraint=models.CheckConstraint(condition=models.Q(('signed_record__isnull', False), models.Q(('no_signature_reason', ''), _negated=True), _connector='OR'), name='visit_signed_or_reason'),
        ),
        migrations.AddConstraint(
            model_name='visitreport',
            constraint=models.UniqueConstraint(fields=('debt', 'fingerprint'), name='visit_report_once'),
        ),
    ]
