"""Rule R5.19: the settings of the scheduled balance confirmations and the bulk runs that send them."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('collection', '0006_i16_letterhead_and_numbers'),
        ('documents', '0003_i17_retention_settings'),
        ('workflows', '0015_i15_analyze_as_owner'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ConfirmationSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('months_unconfirmed', models.PositiveSmallIntegerField(default=12, help_text='超过这么多个月没有债务人书面签认的债权发函', validators=[django.core.validators.MinValueValidator(1)], verbose_name='未签认月数')),
                ('lapse_within_days', models.PositiveIntegerField(default=180, help_text='诉讼时效在这么多天内届满的债权发函', verbose_name='时效届满前天数')),
                ('resend_after_days', models.PositiveIntegerField(default=30, help_text='这么多天内已发出、尚未签认的对账确认函不重复发出', verbose_name='重发间隔(天)')),
            ],
            options={
                'verbose_name': '定期对账设置',
                'verbose_name_plural': '定期对账设置',
            },
        ),
        migrations.CreateModel(
            name='ConfirmationRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('requested_at', models.DateTimeField(auto_now_add=True, verbose_name='申请时间')),
                ('as_of', models.DateField(verbose_name='基准日')),
                ('months_unconfirmed', models.PositiveSmallIntegerField(verbose_name='未签认月数')),
                ('lapse_within_days', models.PositiveIntegerField(verbose_name='时效届满前天数')),
                ('debt_ids', models.JSONField(default=list, verbose_name='债权')),
                ('status', models.CharField(choices=[('pending', '排队中'), ('running', '生成中'), ('done', '已完成'), ('failed', '失败')], default='pending', max_length=10, verbose_name='状态')),
                ('total', models.PositiveIntegerField(default=0, verbose_name='债权数')),
                ('done', models.PositiveIntegerField(default=0, verbose_name='已生成')),
                ('failed', models.PositiveIntegerField(default=0, verbose_name='未能生成')),
                ('errors', models.JSONField(blank=True, default=list, verbose_name='未能生成的原因')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='完成时间')),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='申请人')),
            ],
            options={
                'verbose_name': '对账确认函批量生成',
                'verbose_name_plural': '对账确认函批量生成',
                'ordering': ['-requested_at', '-pk'],
            },
        ),
        migrations.AddField(
            model_name='letter',
            name='run',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='letters', to='collection.confirmationrun', verbose_name='批量生成'),
        ),
        migrations.AddConstraint(
            model_name='letter',
            constraint=models.UniqueConstraint(condition=models.Q(('run__isnull', False)), fields=('run', 'debt'), name='one_letter_per_debt_per_run'),
        ),
    ]
