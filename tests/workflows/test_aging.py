"""Aging buckets of rule R5.7: the boundaries, in Python and in the daily run's SQL."""
from datetime import date, timedelta

import pytest

from tests import factories as f
from workflows.aging import bucket_index, bucket_label, bucket_labels
from workflows.clock.run import run_daily
from workflows.models import ClockSettings, DebtClock

BOUNDS = [30, 90, 180, 365, 730, 1095]
CASES = [(-5, 0), (0, 0), (1, 1), (30, 1), (31, 2), (90, 2), (91, 3), (180, 3), (181, 4), (365, 4),
         (366, 5), (730, 5), (731, 6), (1095, 6), (1096, 7), (5000, 7)]


@pytest.mark.parametrize("days, bucket", CASES)
def test_bucket_boundaries(days, bucket):
    assert bucket_index(days, BOUNDS) == bucket


def test_default_labels_are_the_domain_buckets():
    assert bucket_labels(BOUNDS) == ["未到期", "1-30天", "31-90天", "91-180天", "181-365天", "1-2年", "2-3年",
                                     "3年以上"]
    assert bucket_label(None, BOUNDS) == ""


@pytest.mark.django_db
def test_defaults_come_from_settings():
    assert ClockSettings.load().buckets == BOUNDS


def test_daily_run_puts_debts_in_the_same_buckets(org, people):
    run_on = date(2025, 6, 30)
    debts = {days: f.debt(org["a"], people["handler"], due=run_on - timedelta(days=days)) for days, _ in CASES}
    run_daily(run_on)
    for days, bucket in CASES:
        clock = DebtClock.objects.get(debt=debts[days])
        assert clock.aging_bucket == bucket, days


def test_cleared_debt_has_no_bucket(org, people):
    debt = f.debt(org["a"], people["handler"], amount="0", due=date(2025, 1, 1))
    run_daily(date(2025, 6, 30))
    assert DebtClock.objects.get(debt=debt).aging_bucket is None


def test_configured_buckets_are_used(org, people):
    conf = ClockSettings.load()
    conf.aging_bucket_days = "10,20"
    conf.full_clean()
    conf.save()
    run_on = date(2025, 6, 30)
    debt = f.debt(org["a"], people["handler"], due=run_on - timedelta(days=15))
    run_daily(run_on)
    assert DebtClock.objects.get(debt=debt).aging_bucket == 2
    assert bucket_labels(conf.buckets)[-1] == "20天以上"
