"""Money as integer fen: parsing what people type, showing it, and 大写金额.

The capital-amount cases marked PBOC are the examples of the People's Bank of China's
"正确填写票据和结算凭证的基本规定" (支付结算办法 附件一); where that text allows writing
零 or leaving it out, the variant without it is the one we print.
"""

from decimal import Decimal

import pytest

from app.core.money import (
    DECIMALS_MESSAGE,
    FORMAT_MESSAGE,
    POSITIVE_MESSAGE,
    TOO_LARGE_MESSAGE,
    MoneyError,
    chinese_capital,
    format_yuan,
    parse_yuan,
)

PARSED = [
    ("1234.5", 123450),
    ("1234.50", 123450),
    ("1,234.50", 123450),
    ("１２３４.５０", 123450),          # full-width digits
    ("１，２３４．５", 123450),          # full-width comma and point
    ("¥1,234.50", 123450),
    ("￥1,234.50", 123450),            # full-width yen sign
    ("¥ 1,234.50", 123450),
    ("1234元", 123400),
    ("1,234.5 元", 123450),
    ("  12  ", 1200),
    ("\u300012\u3000", 1200),          # ideographic spaces
    ("0.01", 1),
    ("0.1", 10),
    (".5", 50),
    ("1234.", 123400),
    ("007", 700),
    ("1,234,567.89", 123456789),
    ("999,999,999,999.99", 99999999999999),
    ("1000000000000", 100000000000000),  # 10^12 yuan: the largest accepted
    ("1,000,000,000,000.00", 100000000000000),
]

REFUSED = [
    ("", FORMAT_MESSAGE),
    ("   ", FORMAT_MESSAGE),
    ("abc", FORMAT_MESSAGE),
    ("12a", FORMAT_MESSAGE),
    ("一百", FORMAT_MESSAGE),
    ("¥", FORMAT_MESSAGE),
    ("元", FORMAT_MESSAGE),
    (".", FORMAT_MESSAGE),
    ("1e5", FORMAT_MESSAGE),
    ("1 234", FORMAT_MESSAGE),
    ("1,23,4", FORMAT_MESSAGE),        # misplaced commas
    ("12,34", FORMAT_MESSAGE),
    ("1234,50", FORMAT_MESSAGE),       # decimal comma
    ("1,2345", FORMAT_MESSAGE),
    (",123", FORMAT_MESSAGE),
    ("0,123", FORMAT_MESSAGE),
    ("1.2.3", FORMAT_MESSAGE),
    ("--5", FORMAT_MESSAGE),
    ("٣", FORMAT_MESSAGE),             # other scripts' digits are not amounts
    ("1.234", DECIMALS_MESSAGE),
    ("1.230", DECIMALS_MESSAGE),
    ("0.001", DECIMALS_MESSAGE),
    ("0", POSITIVE_MESSAGE),
    ("0.00", POSITIVE_MESSAGE),
    ("¥0", POSITIVE_MESSAGE),
    ("-5", POSITIVE_MESSAGE),
    ("-¥5.00", POSITIVE_MESSAGE),
    ("¥-5", POSITIVE_MESSAGE),
    ("−5", POSITIVE_MESSAGE),         # U+2212 minus sign
    ("1000000000000.01", TOO_LARGE_MESSAGE),
    ("10000000000000", TOO_LARGE_MESSAGE),
    ("9" * 400, TOO_LARGE_MESSAGE),
]

FORMATTED = [
    (123450, True, "¥1,234.50"),
    (123450, False, "1,234.50"),
    (-1200, True, "-¥12.00"),
    (-1200, False, "-12.00"),
    (0, True, "¥0.00"),
    (5, True, "¥0.05"),
    (99, True, "¥0.99"),
    (100, True, "¥1.00"),
    (100000, True, "¥1,000.00"),
    (123456789, True, "¥1,234,567.89"),
    (100000000000000, True, "¥1,000,000,000,000.00"),
]

CAPITALS = [
    # (fen, 大写金额)
    (0, "零元整"),
    (1, "壹分"),
    (5, "伍分"),
    (10, "壹角整"),
    (15, "壹角伍分"),
    (50, "伍角整"),
    (100, "壹元整"),
    (1000, "壹拾元整"),
    (1005, "壹拾元零伍分"),
    (1010, "壹拾元壹角整"),
    (1100, "壹拾壹元整"),
    (11000, "壹佰壹拾元整"),
    (10100, "壹佰零壹元整"),
    (100100, "壹仟零壹元整"),
    (140950, "壹仟肆佰零玖元伍角整"),           # PBOC ¥1,409.50
    (600714, "陆仟零柒元壹角肆分"),              # PBOC ¥6,007.14
    (168032, "壹仟陆佰捌拾元叁角贰分"),          # PBOC ¥1,680.32 (零 optional: left out)
    (1640902, "壹万陆仟肆佰零玖元零贰分"),       # PBOC ¥16,409.02
    (32504, "叁佰贰拾伍元零肆分"),               # PBOC ¥325.04
    (10700053, "壹拾万柒仟元伍角叁分"),          # PBOC ¥107,000.53 (零 optional: left out)
    (1234567, "壹万贰仟叁佰肆拾伍元陆角柒分"),
    (1000500, "壹万零伍元整"),                   # ¥10,005
    (1001000, "壹万零壹拾元整"),                 # ¥10,010
    (10000000, "壹拾万元整"),                    # ¥100,000
    (100000100, "壹佰万零壹元整"),               # ¥1,000,001
    (100100000, "壹佰万壹仟元整"),               # ¥1,001,000: zeros ending the 万 group are not read
    (100010000, "壹佰万零壹佰元整"),             # ¥1,000,100
    (1000000000, "壹仟万元整"),                  # ¥10,000,000
    (10000000000, "壹亿元整"),                   # ¥100,000,000
    (10000000100, "壹亿零壹元整"),               # ¥100,000,001
    (10001000000, "壹亿零壹万元整"),             # ¥100,010,000
    (10010000000, "壹亿零壹拾万元整"),           # ¥100,100,000
    (11000000000, "壹亿壹仟万元整"),             # ¥110,000,000
    (20000000005, "贰亿元零伍分"),               # ¥200,000,000.05
    (12345678912, "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元壹角贰分"),
    (100000000000, "壹拾亿元整"),                # ¥1,000,000,000
    (100000000000000, "壹万亿元整"),             # ¥10^12, the largest parse_yuan accepts
    (1234500000000000, "壹拾贰万叁仟肆佰伍拾亿元整"),
    (-1200, "负壹拾贰元整"),
]


@pytest.mark.parametrize(("text", "fen"), PARSED)
def test_parse_yuan(text, fen):
    assert parse_yuan(text) == fen
    assert isinstance(parse_yuan(text), int)


@pytest.mark.parametrize(("text", "message"), REFUSED)
def test_parse_yuan_refuses_with_the_right_message(text, message):
    with pytest.raises(MoneyError) as caught:
        parse_yuan(text)
    assert caught.value.message is message
    assert str(caught.value) == str(message)
    assert isinstance(caught.value, ValueError)  # WTForms and callers may catch ValueError


def test_error_messages_read_well():
    assert str(FORMAT_MESSAGE) == "Enter an amount in yuan, e.g. 1,234.50."
    assert str(DECIMALS_MESSAGE) == "At most two decimals (fen)."
    assert str(POSITIVE_MESSAGE) == "The amount must be greater than zero."
    assert str(TOO_LARGE_MESSAGE) == "The amount is too large."


@pytest.mark.parametrize(("fen", "symbol", "text"), FORMATTED)
def test_format_yuan(fen, symbol, text):
    assert format_yuan(fen, symbol=symbol) == text


@pytest.mark.parametrize("fen", [1, 99, 100, 123450, 100000100, 99999999999999, 100000000000000])
def test_format_then_parse_is_the_same_amount(fen):
    assert parse_yuan(format_yuan(fen)) == fen
    assert parse_yuan(format_yuan(fen, symbol=False)) == fen


@pytest.mark.parametrize(("fen", "capital"), CAPITALS)
def test_chinese_capital(fen, capital):
    assert chinese_capital(fen) == capital


def test_chinese_capital_has_enough_cases():
    assert len(CAPITALS) >= 25


@pytest.mark.parametrize("function", [format_yuan, chinese_capital])
@pytest.mark.parametrize("value", [12.5, Decimal("12.50"), "1250", True, None])
def test_amounts_must_be_int_fen(function, value):
    with pytest.raises(TypeError):
        function(value)


def test_chinese_capital_refuses_amounts_it_cannot_write():
    with pytest.raises(ValueError, match="too large"):
        chinese_capital(10**16 * 100)
