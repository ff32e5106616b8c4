"""Money as integer fen (分): parsing what people type, showing it, and 大写金额 for documents.

Amounts are stored and computed as ``int`` fen, never as floats; parsing goes through
``decimal.Decimal``. The capital-amount rules follow the People's Bank of China's
"正确填写票据和结算凭证的基本规定" (支付结算办法 附件一) and the Ministry of Finance's
会计基础工作规范 (第五十二条): 整 after 元 or 角, nothing after 分; one 零 for a run
of zeros; 零 after 元 when 角 is 0 but 分 is not. Where the rules allow writing 零 or not
(万位 or 元位 is 0 but 仟位 or 角位 is not, e.g. ¥107,000.53), we leave it out, as zeros at
the end of a 万 or 亿 group are read in Chinese: 壹拾万柒仟元伍角叁分.
"""

import re
import unicodedata
from decimal import Decimal, Inexact, localcontext

from flask_babel import lazy_gettext as _l

FEN_PER_YUAN = 100
MAX_YUAN = 10**12  # an amount above this is a typing mistake, not a donation

FORMAT_MESSAGE = _l("Enter an amount in yuan, e.g. 1,234.50.")
DECIMALS_MESSAGE = _l("At most two decimals (fen).")
POSITIVE_MESSAGE = _l("The amount must be greater than zero.")
TOO_LARGE_MESSAGE = _l("The amount is too large.")

# After NFKC normalisation (full-width digits, ，．￥ become ASCII , . ¥).
_AMOUNT = re.compile(
    r"""
    (?P<sign>[-−]?) \s* ¥? \s* (?P<sign2>[-−]?) \s*
    (?P<whole>[1-9][0-9]{0,2}(?:,[0-9]{3})+ | [0-9]+)?
    (?:\.(?P<fraction>[0-9]*))?
    \s* 元?
    """,
    re.VERBOSE,
)

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")


class MoneyError(ValueError):
    """Text that is not a usable amount; ``message`` is shown to the user."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def parse_yuan(text: str) -> int:
    """Parse an amount typed in yuan (``1,234.50``, ``１２３４.５``, ``¥1,234.50``, ``1234元``) to fen."""
    normalised = unicodedata.normalize("NFKC", text or "").strip()
    match = _AMOUNT.fullmatch(normalised)
    if not normalised or match is None or (match["whole"] is None and not match["fraction"]):
        raise MoneyError(FORMAT_MESSAGE)
    if match["sign"] and match["sign2"]:
        raise MoneyError(FORMAT_MESSAGE)
    whole = (match["whole"] or "0").replace(",", "")
    fraction = match["fraction"] or ""
    if len(fraction) > 2:
        raise MoneyError(DECIMALS_MESSAGE)
    if match["sign"] or match["sign2"]:
        raise MoneyError(POSITIVE_MESSAGE)
    if len(whole.lstrip("0")) > len(str(MAX_YUAN)):
        raise MoneyError(TOO_LARGE_MESSAGE)
    with localcontext() as context:
        context.traps[Inexact] = True
        fen = int(Decimal(f"{whole}.{fraction or '0'}") * FEN_PER_YUAN)
    if fen == 0:
        raise MoneyError(POSITIVE_MESSAGE)
    if fen > MAX_YUAN * FEN_PER_YUAN:
        raise MoneyError(TOO_LARGE_MESSAGE)
    return fen


def _check_fen(fen) -> int:
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"amounts are int fen, not {type(fen).__name__}")
    return fen


def format_yuan(fen: int, *, symbol: bool = True) -> str:
    """``123450`` → ``¥1,234.50``; ``-1200`` → ``-¥12.00``; without the ¥ if ``symbol`` is false."""
    fen = _check_fen(fen)
    yuan, rest = divmod(abs(fen), FEN_PER_YUAN)
    return f"{'-' if fen < 0 else ''}{'¥' if symbol else ''}{yuan:,}.{rest:02d}"


def _four_digits(number: int) -> str:
    """1–9999 in capitals, with one 零 for inner zeros and none for trailing ones."""
    text = ""
    pending_zero = False
    for place in range(3, -1, -1):
        digit = number // 10**place % 10
        if digit == 0:
            pending_zero = bool(text)
            continue
        if pending_zero:
            text += DIGITS[0]
            pending_zero = False
        text += DIGITS[digit] + PLACES[place]
    return text


def _integer(number: int) -> str:
    """1 ≤ number < 10**16 in capitals, grouped by 万 and 亿.

    A lower group that does not fill its four (or eight) places after a higher group gets
    one 零 (壹亿零壹万, 壹万零伍); zeros at the end of a group are not read (壹拾万柒仟).
    """
    for size, unit in ((10**8, "亿"), (10**4, "万")):
        if number >= size:
            high, low = divmod(number, size)
            text = _integer(high) + unit
            if low:
                text += (DIGITS[0] if low < size // 10 else "") + _integer(low)
            return text
    return _four_digits(number)


def chinese_capital(fen: int) -> str:
    """大写金额 for a document: ``1234567`` → ``壹万贰仟叁佰肆拾伍元陆角柒分``; ``100`` → ``壹元整``."""
    fen = _check_fen(fen)
    if fen < 0:
        return "负" + chinese_capital(-fen)
    yuan, rest = divmod(fen, FEN_PER_YUAN)
    jiao, fen_digit = divmod(rest, 10)
    if yuan >= 10**16:
        raise ValueError("amount too large for 大写金额")
    text = _integer(yuan) + "元" if yuan else ""
    if jiao:
        text += DIGITS[jiao] + "角"
    elif fen_digit and yuan:
        text += DIGITS[0]
    if fen_digit:
        text += DIGITS[fen_digit] + "分"
    else:
        text = (text or "零元") + "整"
    return text
