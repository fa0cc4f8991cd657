"""Rule R9.13: letterheads per unit, 发文字号 per unit and year (a counter row per unit and year), the
addressee on each letter, the preview a letter was confirmed from, 法务催告函, a law firm's address.
Letters archived before keep their per-debt numbers (CK-…); their unit, year and 序号 stay empty."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('collection', '0005_i17_letter_delivery_proof'),
        ('documents', '0002_case_file_identity_fixed'),
        ('workflows', '0010_i17_deposit_categories'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Letterhead',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='函件抬头和落款使用的全称', max_length=200, verbose_name='发文单位名称')),
                ('address', models.CharField(max_length=300, verbose_name='地址')),
                ('postcode', models.CharField(blank=True, max_length=10, verbose_name='邮政编码')),
                ('contact_person', models.CharField(max_length=100, verbose_name='联系人')),
                ('telephone', models.CharField(max_length=50, verbose_name='联系电话')),
                ('doc_code', models.CharField(help_text='发文字号的代字，如“一分清”：发文字号为 一分清〔2026〕1号', max_length=20, verbose_name='发文代字')),
                ('account_name', models.CharField(max_length=200, verbose_name='收款账户户名')),
                ('bank_name', models.CharField(max_length=200, verbose_name='开户银行')),
                ('account_number', models.CharField(max_length=40, verbose_name='银行账号')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='修改时间')),
            ],
            options={
                'verbose_name': '函件抬头',
                'verbose_name_plural': '函件抬头',
                'ordering': ['unit__code'],
            },
        ),
        migrations.CreateModel(
            name='LetterSequence',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('last', models.PositiveIntegerField(default=0, verbose_name='已用到的序号')),
            ],
            options={
                'verbose_name': '发文字号序号',
                'verbose_name_plural': '发文字号序号',
            },
        ),
        migrations.AddField(
            model_name='agency',
            name='address',
            field=models.CharField(blank=True, help_text='律师函的抬头使用', max_length=300, verbose_name='地址'),
        ),
        migrations.AddField(
            model_name='letter',
            name='attention',
            field=models.CharField(blank=True, max_length=100, verbose_name='收件人'),
        ),
        migrations.AddField(
            model_name='letter',
            name='preview_token',
            field=models.UUIDField(blank=True, editable=False, null=True, unique=True, verbose_name='预览编号'),
        ),
        migrations.AddField(
            model_name='letter',
            name='recipient',
            field=models.CharField(blank=True, max_length=200, verbose_name='致'),
        ),
        migrations.AddField(
            model_name='letter',
            name='recipient_address',
            field=models.CharField(blank=True, max_length=300, verbose_name='收件地址'),
        ),
        migrations.AddField(
            model_name='letter',
            name='seq',
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name='序号'),
        ),
        migrations.AddField(
            model_name='letter',
            name='unit',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='workflows.orgunit', verbose_name='发文单位'),
        ),
        migrations.AddField(
            model_name='letter',
            name='year',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='年度'),
        ),
        migrations.AlterField(
            model_name='letter',
            name='kind',
            field=models.CharField(choices=[('demand', '催款函'), ('balance_confirmation', '对账确认函'), ('lawyer', '律师函'), ('legal_notice', '法务催告函')], max_length=24, verbose_name='函件类型'),
        ),
        migrations.AlterField(
            model_name='letter',
            name='number',
            field=models.CharField(max_length=40, unique=True, verbose_name='发文字号'),
        ),
        migrations.AddConstraint(
            model_name='letter',
            constraint=models.UniqueConstraint(condition=models.Q(('seq__isnull', False)), fields=('unit', 'year', 'seq'), name='letter_number_per_unit_year'),
        ),
        migrations.AddField(
            model_name='letterhead',
            name='unit',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='letterhead', to='workflows.orgunit', verbose_name='单位'),
        ),
        migrations.AddField(
            model_name='lettersequence',
            name='unit',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='workflows.orgunit', verbose_name='单位'),
        ),
        migrations.AddConstraint(
            model_name='lettersequence',
            constraint=models.UniqueConstraint(fields=('unit', 'year'), name='letter_sequence_unit_year'),
        ),
    ]
