import datetime as dt

import frozen
from hypothesis import given
from hypothesis import strategies as st

from app.services.idcard import (
    check_char,
    id_birth_date,
    id_problem,
    make_id,
    mask_id,
    mask_phone,
    normalise_id,
    phone_problem,
    pinyin_initials,
)


def test_known_valid_number_with_x_check_character():
    # The GB 11643 example: weights sum mod 11 = 2 → check character X.
    assert id_problem("11010519491231002X") is None
    assert id_problem("11010519491231002x") is None  # lower-case x normalised
    assert normalise_id(" 11010519491231002x ") == "11010519491231002X"


def test_full_width_digits_from_an_input_method_are_normalised():
    typed = "１１０１０５１９４９１２３１００２ｘ"
    assert normalise_id(typed) == "11010519491231002X"
    assert id_problem(normalise_id(typed)) is None


def test_wrong_check_character_names_the_right_one():
    assert id_problem("110105194912310021") == "身份证号校验位错误（应为X）"


def test_length_characters_and_dates_refused():
    assert "18位" in id_problem("1101051949123100")
    assert "前17位应为数字" in id_problem("11010519491231A02X")
    assert "出生日期不是有效日期" in id_problem(make_id("110105", dt.date(1990, 1, 1), 1)[:10] + "0230" + "0011")
    future = (frozen.today() + dt.timedelta(days=400)).strftime("%Y%m%d")
    first17 = "110105" + future + "001"
    assert "出生日期" in id_problem(first17 + check_char(first17))


@given(st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2008, 12, 31)), st.integers(0, 999))
def test_generated_numbers_are_valid_and_carry_their_birth_date(birth, seq):
    number = make_id("430102", birth, seq)
    assert id_problem(number) is None
    assert id_birth_date(number) == birth


@given(st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2008, 12, 31)), st.integers(0, 999),
       st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_change_is_detected(birth, seq, pos, delta):
    number = make_id("430102", birth, seq)
    digit = (int(number[pos]) + delta) % 10
    changed = number[:pos] + str(digit) + number[pos + 1:]
    assert id_problem(changed) is not None


def test_masking_keeps_only_region_and_last_four():
    assert mask_id("11010519491231002X") == "110105********002X"
    assert mask_id(None) == ""
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("") == ""


def test_phone_formats():
    assert phone_problem("13812345678") is None
    assert phone_problem("0731-84123456") is None
    assert phone_problem("") is None
    assert phone_problem("1234") is not None
    assert phone_problem("23812345678") is not None


def test_pinyin_initials():
    assert pinyin_initials("张三") == "zs"
    assert pinyin_initials("欧阳明华") == "oymh"
    assert pinyin_initials("曾伟") == "zw"  # surname reading, not 曾经's céng
    assert pinyin_initials("单雄信") == "sxx"
