"""The `money` template filter: thousands separators and two places in both languages."""
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation


@pytest.mark.parametrize("value, shown", [
    (Decimal("1234567.891"), "1,234,567.89"), (Decimal("0"), "0.00"), ("-1000", "-1,000.00"),
    (234599.59, "234,599.59"), (None, ""), ("", ""), ("n/a", "n/a"),
])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_money(value, shown, language):
    with translation.override(language):
        assert Template("{% load qq %}{{ v|money }}").render(Context({"v": value})) == shown
