import datetime as dt

import frozen
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.services.idcard import (
    check_char,
    count_ids,
    count_phones,
    id_birth_date,
    id_problem,
    latest_birth,
    make_id,
    mask_date,
    mask_id,
    mask_phone,
    month_text,
    normalise_id,
    phone_problem,
    pinyin_initials,
    shown_date_range,
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


def test_masking_keeps_only_province_and_check_character():
    assert mask_id("11010519491231002X") == "11***************X"
    assert mask_id("1234567") == "*******"  # not a number: nothing shown
    assert mask_id(None) == ""
    assert mask_date(dt.date(1949, 12, 31)) == "1949-12-**"
    assert month_text(dt.date(1949, 12, 31)) == "1949年12月"
    assert mask_date(None) == month_text(None) == ""


def test_phone_masks_keep_four_digits_hidden():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0731-84123456") == "073*-****3456"
    assert mask_phone("8412345") == "****345"
    assert mask_phone("123") == "***"
    assert mask_phone("") == ""
    assert all(count_phones(mask_phone(p)) >= 10_000 for p in ("13812345678", "0731-84123456", "84123456", "8412345"))


def test_count_ids_old_mask_left_one_number():
    """The old mask (region + last four) beside the full birth date and sex: one number, the right one."""
    number = make_id("430121", dt.date(1982, 3, 14), 123)
    old = number[:6] + "********" + number[-4:]
    day = (dt.date(1982, 3, 14),) * 2
    assert count_ids(old, day, "男", ["430121"]) == 1


def test_count_ids_new_mask_with_birth_month():
    number = make_id("430121", dt.date(1982, 2, 14), 123)
    assert mask_id(number) == "43***************6"
    feb = shown_date_range("1982-02-**")
    assert feb == (dt.date(1982, 2, 1), dt.date(1982, 2, 28))
    assert count_ids(mask_id(number), feb, "男", ["430121"]) == 1273
    # A region guessed wrong, or a number of the other sex, is not counted.
    assert count_ids(mask_id(number), feb, "男", ["110105"]) == 0
    assert count_ids("*" * 18, feb, None, ["430121"]) == 28 * 1000
    assert count_ids("short", feb, None, ["430121"]) == 0


def test_shown_date_range_reads_what_views_show():
    assert shown_date_range("1982年3月") == (dt.date(1982, 3, 1), dt.date(1982, 3, 31))
    assert shown_date_range("1982年") == (dt.date(1982, 1, 1), dt.date(1982, 12, 31))
    assert shown_date_range("1982-03-14") == (dt.date(1982, 3, 14),) * 2
    assert shown_date_range(dt.date(1982, 3, 14)) == (dt.date(1982, 3, 14),) * 2
    assert shown_date_range("") is None
    with pytest.raises(ValueError, match="不是可识别的日期"):
        shown_date_range("三月")


def test_latest_birth_follows_the_age_and_probation_rules():
    # 2000-02-29 + 18 years is 2018-02-28: joining in February 2018 allows a birth on the 29th.
    assert latest_birth(shown_date_range("2018-02-**"), None, 12) == dt.date(2000, 2, 29)
    assert latest_birth(None, shown_date_range("2019-02-28"), 12) == dt.date(2000, 2, 29)
    assert latest_birth((dt.date(2018, 6, 1),) * 2, (dt.date(2019, 3, 1),) * 2, 12) == dt.date(2000, 3, 1)
    assert latest_birth(None, None, 12) is None


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
