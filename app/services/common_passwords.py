"""Passwords that are guessed first: the few hundred most common ones, written out from the well-known patterns
(number and letter sequences, repeated digits, keyboard rows, "password" and "admin" with a number, pinyin phrases
such as woaini, birthdays written as 19900101) rather than downloaded from a leak.

`is_common(password)` also refuses a common word with up to four digits or symbols after it (password2026,
dangjian@123) and any date written as digits, since a birthday is the first thing tried."""

from __future__ import annotations

import datetime as dt
import re

# Words and phrases people reach for, lower-case.  Each is also refused with a short number after it.
_WORD_TEXT = """
password passwd passw0rd p@ssw0rd p@ssword pass mima mima123 kouling
admin administrator admins root rootroot system sysadmin superuser super manager guanliyuan guanli
user users guest test tester testing demo default changeme welcome letmein login logon access secret
qwerty qwertyui qwertyuiop asdf asdfgh asdfghjk asdfghjkl zxcv zxcvbn zxcvbnm qazwsx qazwsxedc
1qaz2wsx 1qaz2wsx3edc zaq12wsx 1q2w3e4r 1q2w3e4r5t 1q2w3e 123qwe 123qweasd qweasd qweasdzxc
qwe123 asd123 zxc123 abc abcd abcde abcdef abcdefg abcdefgh abc123 aaa111 a1b2c3 a1b2c3d4
iloveyou iloveu loveyou love lover monkey dragon master sunshine princess football baseball basketball
superman batman shadow michael jordan hello hello123 trustno1 whatever freedom killer flower
woaini woaini1314 woaini520 woaiwojia woaimama woaibaba woaiziji aini aini1314 wuai ai1314
5201314 1314520 521521 520520 1314 woshishui nihao nihao123 xiexie haoren zhongguo zhonghua china chinese
beijing shanghai guangzhou shenzhen tianjin chongqing wangluo diannao jisuanji
zhangwei wangwei wangfang liwei lina zhangmin lijing wangjing liuwei wangxiuying zhangli
dangjian dangyuan dangwei gongwei jiguan dangzhibu zhibu danganshi xianwei zhengfu gongzuo bangong
bangongshi kaoping kaohe pingfen jiguangongwei dangjiankaoping
huawei xiaomi tencent baidu alibaba taobao weixin wechat qq qqqq qq123456 sina
computer internet windows microsoft office excel android iphone apple google
888888 666666 168168 518518 886886 668668 123123 112233 121212 111222 123321 654321 147258 147258369
159357 159753 741852963 789456 789456123 456789 963852741 321321 110110 120120 119119
"""
WORDS: frozenset[str] = frozenset(_WORD_TEXT.split())

_SEQUENCES = ("01234567890", "12345678901234567890", "9876543210", "abcdefghijklmnopqrstuvwxyz",
              "qwertyuiop", "asdfghjkl", "zxcvbnm", "1qaz2wsx3edc4rfv5tgb", "qazwsxedcrfvtgbyhn")

_SUFFIX = re.compile(r"[0-9!@#$%^&*.,_\-+=?~]{0,4}")
_DIGITS_DATE = re.compile(r"(19|20)\d{6}")


def _built() -> frozenset[str]:
    """The written-out list: the words, every run of six or more along a sequence or keyboard row, and one
    character or a short group repeated."""
    found = set(WORDS)
    for seq in _SEQUENCES:
        for start in range(len(seq)):
            for end in range(start + 6, len(seq) + 1):
                found.add(seq[start:end])
    for ch in "0123456789abcdefghijklmnopqrstuvwxyz":
        for n in range(6, 17):
            found.add(ch * n)
    for group in ("12", "123", "1234", "abc", "ab", "qwe", "asd", "520", "521", "1314", "168", "886", "007"):
        for n in range(2, 7):
            found.add(group * n)
    return frozenset(found)


COMMON: frozenset[str] = _built()


def _is_date(text: str) -> bool:
    """Eight digits that are a calendar date between 1900 and 2099 (a birthday, a wedding day…)."""
    if not _DIGITS_DATE.fullmatch(text):
        return False
    try:
        dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return False
    return True


def is_common(password: str) -> bool:
    """True for a password on the list, a listed word followed by at most four digits or symbols, a date
    written as eight digits (or one with a short suffix), or one character repeated."""
    text = (password or "").strip().lower()
    if not text:
        return True
    if text in COMMON or len(set(text)) == 1:
        return True
    for cut in range(len(text), max(0, len(text) - 5), -1):
        head, tail = text[:cut], text[cut:]
        if not _SUFFIX.fullmatch(tail):
            break
        if head in WORDS or _is_date(head):
            return True
    return False
