import pytest
from django.core.exceptions import ValidationError

from workflows.credit_code import check_character, make_code, problem, validate_credit_code
from workflows.models import Debtor


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L", make_code("91440300MA5ELPXX0")])
def test_valid_codes(code):
    assert problem(code) is None
    validate_credit_code(code)


@pytest.mark.parametrize("code,reason", [
    ("91350100M000100Y4", "18位"),          # too short
    ("91350100M000100Y44", "校验位"),       # wrong check character
    ("91350100M000100I43", "非法字符"),     # I is not in the alphabet
    ("91350100m000100Y43", "非法字符"),     # lower case
])
def test_invalid_codes_name_the_problem(code, reason):
    with pytest.raises(ValidationError, match=reason):
        validate_credit_code(code)


def test_check_character_covers_the_wraparound_case():
    # When the weighted sum is a multiple of 31 the check character is '0', not 'Y'+1.
    for n in range(10000):
        body = f"9111000060{n:07d}"
        ch = check_character(body)
        assert problem(body + ch) is None


def test_debtor_full_clean_uses_the_validator(db):
    debtor = Debtor(name="某公司", credit_code="91350100M000100Y44")
    with pytest.raises(ValidationError) as exc:
        debtor.full_clean()
    assert "credit_code" in exc.value.message_dict


def test_deceased_flag_needs_a_date(db):
    debtor = Debtor(name="某公司", credit_code=make_code("91110000600037341"), deceased=True)
    with pytest.raises(ValidationError) as exc:
        debtor.full_clean()
    assert "deceased_on" in exc.value.message_dict
