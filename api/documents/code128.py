"""Code 128, subset C (pairs of digits), as bar and space widths: what the Finnish bank barcode prints.

The pattern table is ISO/IEC 15417 Table 1 (the same in every published Code 128 table): each symbol is
three bars and three spaces, 11 modules wide; the stop symbol adds a final 2-module bar. Subset C encodes
two digits per symbol; the check symbol is (start value + Σ position × value) mod 103
(ISO/IEC 15417 §4.7.2). Finance Finland's "Pankkiviivakoodi-opas" prints the 54-digit virtual barcode
this way (subset C, no FNC1).

>>> widths("12")  # start C, "12", check (105 + 12) mod 103 = 14, stop
'2112321122321222312331112'
>>> all(sum(map(int, p)) == 11 for p in PATTERNS[:106]) and sum(map(int, PATTERNS[106])) == 13
True
"""

from __future__ import annotations

PATTERNS = (
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
    "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
    "221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
    "212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
    "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
    "231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
    "314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
    "112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
    "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
    "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
)
START_C, STOP = 105, 106


def symbols(digits: str) -> list[int]:
    """The symbol values of ``digits`` (an even number of them): start C, the pairs, check, stop."""
    if not digits or len(digits) % 2 or not all("0" <= ch <= "9" for ch in digits):
        raise ValueError("Code 128 subset C encodes an even number of ASCII digits")
    values = [START_C, *(int(digits[i:i + 2]) for i in range(0, len(digits), 2))]
    check = (values[0] + sum(i * v for i, v in enumerate(values[1:], start=1))) % 103
    return [*values, check, STOP]


def widths(digits: str) -> str:
    """The module widths, bar first and alternating bar/space, of the whole symbol (no quiet zones)."""
    return "".join(PATTERNS[v] for v in symbols(digits))


def modules(digits: str) -> int:
    """How many modules wide the symbol is (without its quiet zones of 10 modules each side)."""
    return sum(int(w) for w in widths(digits))
