"""Physical quantities: reading ``"2.5 mA"`` or ``"4k7"`` and writing ``"2.5 mA"`` back.

One reader serves three writers: students typing answers, teachers typing course files, and
netlists (``R1 a b 4k7``). They disagree on one letter, so the rules are spelled out here.

Reading rules
-------------
A quantity is a number, optional spaces, then an optional *suffix*. The number is a decimal with an
optional exponent (``2.5``, ``-3``, ``.5``, ``2.5e-3``) or RKM notation where the prefix letter
stands for the decimal point (``4k7`` = 4700, ``2m5`` = 0.0025, ``4R7`` = 4.7, ``1M5`` = 1.5e6 as
in IEC 60062). The suffix is read in this order:

1. A unit on its own: ``V``, ``A``, ``W``, ``Ohm``/``ohm``/``Ω``, ``F``, ``H``, ``s``, ``Hz``,
   ``deg``/``°`` (and spelled-out names such as ``volts``). So ``10F`` is ten farads and ``1s``
   one second, as a student means them, although SPICE would read ``F`` as femto.
2. ``meg`` in any letter case means mega (SPICE style), optionally followed by a unit:
   ``1meg``, ``1MEG``, ``2megohm``.
3. One prefix letter, optionally followed by a unit. Prefixes are SPICE's: ``f p n u µ m k g t``
   (``µ`` as micro sign or Greek mu), matched in any letter case, with one exception:

   * with a unit after it, SI case rules apply to ``m``/``M``: ``mA`` is milli, ``MΩ``, ``MHz``
     are mega;
   * with no unit after it, a lowercase ``m`` is milli (SPICE and SI agree) but a bare uppercase
     ``M`` is refused as ambiguous: SPICE reads ``1M`` as 1 milli, most people mean 1 mega. The
     message asks for ``meg`` or ``m``.

   After an RKM number only a unit may follow: its letter is already the prefix, so ``4k7 mA``
   and ``4k7k`` are refused rather than read with one of their two prefixes dropped.

Anything else (``5 Vx``, ``abc``, an empty string, ``inf``) raises
:class:`~circuits.errors.UnitError`
with a plain message. A quantity written without a unit takes ``default_unit`` (or ``""``).

Canonical units are exactly those in :data:`KNOWN_UNITS`.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from circuits.errors import UnitError

__all__ = [
    "KNOWN_UNITS",
    "UNIT_KINDS",
    "Quantity",
    "describe_unit",
    "difference",
    "format_quantity",
    "format_value",
    "parse_quantity",
]

KNOWN_UNITS: frozenset[str] = frozenset({"V", "A", "W", "Ohm", "F", "H", "s", "Hz", "deg", ""})
"""Canonical unit names. ``""`` is a dimensionless number."""

UNIT_KINDS: dict[str, str] = {
    "V": "voltage",
    "A": "current",
    "W": "power",
    "Ohm": "resistance",
    "F": "capacitance",
    "H": "inductance",
    "s": "time",
    "Hz": "frequency",
    "deg": "angle",
    "": "plain number",
}
"""What each canonical unit measures, in words a student reads in a diagnosis."""

_DISPLAY_UNIT = {"Ohm": "Ω", "deg": "°"}


def describe_unit(unit: str) -> str:
    """Name what a canonical unit measures, with its article and symbol, for a sentence.

    Parameters
    ----------
    unit : str
        One of :data:`KNOWN_UNITS`.

    Returns
    -------
    str
        For instance ``"a voltage (V)"``, ``"an inductance (H)"``, ``"a resistance (Ω)"``;
        ``"a plain number"`` for ``""``.

    Raises
    ------
    KeyError
        If ``unit`` is not one of :data:`KNOWN_UNITS`.

    Examples
    --------
    >>> describe_unit("H"), describe_unit("Ohm"), describe_unit("deg")
    ('an inductance (H)', 'a resistance (Ω)', 'an angle (°)')
    """
    kind = UNIT_KINDS[unit]
    # Every word in UNIT_KINDS is said as it is spelled, so its first letter picks the article.
    article = "an" if kind[0] in "aeiou" else "a"
    if not unit:
        return f"{article} {kind}"
    return f"{article} {kind} ({_DISPLAY_UNIT.get(unit, unit)})"


def difference(a: float, b: float, unit: str) -> float:
    """How far apart two values of one unit are: ``|a - b|``, and for angles modulo 360°.

    Parameters
    ----------
    a, b : float
        Values in base units.
    unit : str
        Their unit; ``"deg"`` compares them as phases.

    Returns
    -------
    float
        A non-negative distance, at most 180 for angles.

    Examples
    --------
    >>> difference(180.0, -180.0, "deg"), difference(350.0, 10.0, "deg"), difference(5.0, 3.0, "V")
    (0.0, 20.0, 2.0)
    """
    if unit == "deg":  # -180 and 180 are the same phase
        return abs((a - b + 180.0) % 360.0 - 180.0)
    return abs(a - b)

# Exact spellings (case-sensitive) of single-letter units. Lowercase "f" is femto, not farad,
# and "S" would be siemens, so neither is here.
_UNIT_EXACT: dict[str, str] = {
    "V": "V", "v": "V",
    "A": "A", "a": "A",
    "W": "W", "w": "W",
    "F": "F",
    "H": "H", "h": "H",
    "s": "s",
    "Ω": "Ohm", "\u2126": "Ohm",
    "°": "deg", "º": "deg",
}
# Spelled-out units, matched in any letter case.
_UNIT_WORDS: dict[str, str] = {
    "volt": "V", "volts": "V",
    "amp": "A", "amps": "A", "ampere": "A", "amperes": "A",
    "watt": "W", "watts": "W",
    "ohm": "Ohm", "ohms": "Ohm",
    "farad": "F", "farads": "F",
    "henry": "H", "henries": "H", "henrys": "H",
    "sec": "s", "secs": "s", "second": "s", "seconds": "s",
    "hz": "Hz", "hertz": "Hz",
    "deg": "deg", "degree": "deg", "degrees": "deg",
}

# Prefixes as powers of ten, so that values are scaled exactly (Decimal.scaleb).
_PREFIX: dict[str, int] = {
    "f": -15, "p": -12, "n": -9, "u": -6, "µ": -6, "μ": -6, "m": -3, "k": 3, "g": 9, "t": 12,
}

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# RKM: digits, one multiplier letter standing for the decimal point, digits (4k7, 2m5, 4R7).
_RKM = re.compile(r"([+-]?)(\d+)([fpnuµμmkKMgGtTR])(\d+)")
_RKM_MULT: dict[str, int] = {
    "f": -15, "p": -12, "n": -9, "u": -6, "µ": -6, "μ": -6, "m": -3,
    "R": 0, "k": 3, "K": 3, "M": 6, "g": 9, "G": 9, "t": 12, "T": 12,
}


@dataclass(frozen=True)
class Quantity:
    """A value with a canonical unit.

    Parameters
    ----------
    value : float
        The value in base units (amperes, not milliamperes).
    unit : str
        One of :data:`KNOWN_UNITS`.

    Examples
    --------
    >>> Quantity(0.0025, "A")
    Quantity(value=0.0025, unit='A')
    >>> str(Quantity(0.0025, "A"))
    '2.5 mA'
    """

    value: float
    unit: str

    def __post_init__(self) -> None:
        if self.unit not in KNOWN_UNITS:
            raise UnitError(f"unknown unit {self.unit!r}")

    def __str__(self) -> str:
        return format_quantity(self)

    @property
    def kind(self) -> str:
        """What the unit measures (``"voltage"``, ``"current"``...)."""
        return UNIT_KINDS[self.unit]

    def to_dict(self) -> dict[str, float | str]:
        """Return ``{"value": float, "unit": str}`` for JSON."""
        return {"value": self.value, "unit": self.unit}


def _normalise(text: str) -> str:
    if text.isascii():
        return text.strip() if "\t" not in text else text.replace("\t", " ").strip()
    # NFKC folds full-width digits and compatibility forms; it also turns the micro sign into
    # Greek mu and the ohm sign into Greek omega, so map those back explicitly.
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u03a9", "Ω").replace("\u2212", "-").replace("\u2013", "-")
    return "".join(" " if ch.isspace() else ch for ch in text).strip()


def _unit_of(word: str) -> str | None:
    if word in _UNIT_EXACT:
        return _UNIT_EXACT[word]
    return _UNIT_WORDS.get(word.lower())


def _read_suffix(suffix: str, original: str) -> tuple[int, str | None]:
    """Return (power of ten, canonical unit or None) for the text after the number."""
    if not suffix:
        return 0, None
    unit = _unit_of(suffix)
    if unit is not None:
        return 0, unit
    if suffix.lower().startswith("meg"):
        rest = suffix[3:].strip()
        if not rest:
            return 6, None
        unit = _unit_of(rest)
        if unit is None:
            raise UnitError(f"cannot read the unit {rest!r} in {original!r}")
        return 6, unit
    head, rest = suffix[0], suffix[1:].strip()
    if rest:
        unit = _unit_of(rest)
        if unit is None:
            raise UnitError(f"cannot read the unit {suffix!r} in {original!r}")
        if head == "M":
            return 6, unit
        if head.lower() in _PREFIX:
            return _PREFIX[head.lower()], unit
        raise UnitError(f"cannot read the unit {suffix!r} in {original!r}")
    if head == "M":
        raise UnitError(
            f"{original!r} is ambiguous: SPICE reads 'M' as milli, most people mean mega; "
            "write 'meg' for mega or 'm' for milli"
        )
    if head.lower() in _PREFIX:
        return _PREFIX[head.lower()], None
    raise UnitError(f"cannot read the unit {suffix!r} in {original!r}")


def parse_quantity(text: str, *, default_unit: str | None = None) -> Quantity:
    """Read a quantity such as ``"2.5 mA"``, ``"4k7"`` or ``"-45°"``.

    Parameters
    ----------
    text : str
        What was typed. Surrounding spaces are ignored; see the module docstring for the rules.
    default_unit : str or None, optional
        The unit given to a bare number (``"0.0025"``). ``None`` leaves it dimensionless
        (``""``). It never overrides a unit that was written.

    Returns
    -------
    Quantity
        The value in base units with its canonical unit.

    Raises
    ------
    UnitError
        If the text is not a number with an optional known prefix and unit, if ``default_unit``
        is not one of :data:`KNOWN_UNITS`, or if the value is not finite.

    Examples
    --------
    >>> parse_quantity("2.5 mA")
    Quantity(value=0.0025, unit='A')
    >>> parse_quantity("4k7", default_unit="Ohm")
    Quantity(value=4700.0, unit='Ohm')
    >>> parse_quantity("1 MΩ").value
    1000000.0
    >>> parse_quantity("-45°")
    Quantity(value=-45.0, unit='deg')

    Notes
    -----
    The prefix scales the decimal digits exactly before conversion to float, so ``"2.5 mA"``
    is the float nearest 0.0025, not ``2.5 * 1e-3 = 0.0025000000000000005``.
    """
    if not isinstance(text, str):
        raise UnitError(f"expected text, got {type(text).__name__}")
    if default_unit is not None and default_unit not in KNOWN_UNITS:
        raise UnitError(f"unknown unit {default_unit!r}")
    if len(text) > 200:
        raise UnitError("the value is too long to be a quantity")
    return _parse(text, default_unit)


@functools.lru_cache(maxsize=4096)
def _parse(text: str, default_unit: str | None) -> Quantity:
    # Cached: the same few values ("1k", "10 V") recur in every netlist and answer; results
    # are immutable and errors are not cached.
    original = text.strip()
    # Runs of spaces count as one, so "5 V" and a hundred spaces and "x" is read (and
    # refused for its unit) rather than called too long.
    s = " ".join(_normalise(text).split())
    if not s:
        raise UnitError("no value given")
    if len(s) > 64:
        raise UnitError("the value is too long to be a quantity")

    rkm = _RKM.match(s)
    if rkm:
        sign, whole, letter, frac = rkm.groups()
        mantissa = f"{sign}{whole}.{frac}"
        power = _RKM_MULT[letter]
        suffix = s[rkm.end() :].strip()
        # The letter of 4k7 is its multiplier; a prefix after it ("4k7 mA", "4k7k") cannot be
        # combined with it in any sensible way, and ignoring either one is off by 1000 or more.
        # A bare "M" is a prefix however it is read, milli or mega.
        extra, unit = (-3, None) if suffix == "M" else _read_suffix(suffix, original)
        if extra != 0:
            # a bare "M" is refused on its own too, so the example spells both readings
            example = (f"'{mantissa}m' (milli) or '{mantissa}meg' (mega)" if suffix == "M"
                       else f"'{mantissa}{suffix}'")
            raise UnitError(
                f"cannot read {original!r}: the {letter!r} of {rkm.group(0)!r} is already its "
                f"multiplier, so no second prefix may follow; write one prefix, as in {example}"
            )
    else:
        number = _NUMBER.match(s)
        if number is None:
            raise UnitError(f"{original!r} does not start with a number")
        mantissa = number.group(0)
        suffix = s[number.end() :].strip()
        # Say what is wrong with the number rather than call its tail a unit
        # ("cannot read the unit '.3 V'" for "3.3.3 V").
        if suffix[:1] == "," and suffix[1:2].isdigit():
            raise UnitError(f"cannot read {original!r}: use '.' for a decimal point "
                            "and no separator between thousands")
        if suffix[:1] == "." or suffix[:1].isdigit():
            raise UnitError(f"cannot read {original!r}: it holds more than one number "
                            "(one value with at most one decimal point, then its unit)")
        power, unit = _read_suffix(suffix, original)

    try:
        # Scale the decimal digits, not the float: "2.5" and -3 give 0.0025 exactly.
        if power == 0:
            value = float(mantissa)
        elif "e" in mantissa or "E" in mantissa:
            value = float(Decimal(mantissa).scaleb(power))
        else:
            value = float(f"{mantissa}e{power}")
    except (InvalidOperation, OverflowError, ValueError):
        raise UnitError(f"{original!r} is not a finite number") from None
    if not math.isfinite(value):
        raise UnitError(f"{original!r} is not a finite number")
    if unit is None:
        unit = default_unit if default_unit is not None else ""
    return Quantity(value, unit)


_ENG_PREFIXES = [
    (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""),
    (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"), (1e-12, "p"), (1e-15, "f"),
]


def format_value(value: float, digits: int = 4) -> str:
    """Format a number with ``digits`` significant digits, without trailing zeros.

    Examples
    --------
    >>> format_value(3.30000001)
    '3.3'
    """
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    text = f"{value:.{digits}g}"
    if "e" in text:
        return text
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_quantity(q: Quantity, digits: int = 4) -> str:
    """Format a quantity for display with an engineering prefix.

    Parameters
    ----------
    q : Quantity
        The quantity.
    digits : int, optional
        Significant digits, default 4.

    Returns
    -------
    str
        For instance ``"2.5 mA"``, ``"4.7 kΩ"``, ``"-45°"``. Angles and plain numbers get no
        prefix.

    Examples
    --------
    >>> format_quantity(Quantity(0.0025, "A"))
    '2.5 mA'
    >>> format_quantity(Quantity(4700.0, "Ohm"))
    '4.7 kΩ'
    >>> format_quantity(Quantity(-45.0, "deg"))
    '-45°'
    """
    shown = _DISPLAY_UNIT.get(q.unit, q.unit)
    if q.unit in ("deg", ""):
        number = format_value(q.value, digits)
        sep = "" if q.unit == "deg" or not shown else " "
        return f"{number}{sep}{shown}"
    value = q.value
    if value == 0 or not math.isfinite(value):
        return f"{format_value(value, digits)} {shown}".rstrip()
    # Round first so 999.99e-3 shows as "1 V", not "1000 mV".
    value = float(f"{value:.{digits}g}")
    for scale, prefix in _ENG_PREFIXES:
        if abs(value) >= scale * (1 - 1e-12):
            return f"{format_value(value / scale, digits)} {prefix}{shown}"
    return f"{format_value(value, digits)} {shown}"
