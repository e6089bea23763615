"""Exceptions of the IRT package.

Every error :mod:`planner.irt` raises on bad input derives from :class:`IRTError`,
itself a :class:`ValueError`, so a caller can catch the family in one clause (the
CLI turns it into exit status 2).
"""

from __future__ import annotations

__all__ = [
    "IRTError",
    "ResponseDataError",
    "InvalidParameterError",
    "ItemBankError",
]


class IRTError(ValueError):
    """Base class of every error this package raises on bad input."""


class ResponseDataError(IRTError):
    """Responses that cannot be fitted: not 0/1, out of range, empty, misaligned.

    Parameters
    ----------
    message : str
        What is wrong.
    line : int, optional
        The 1-based line of the input file at fault, when the data came from a file.
    """

    def __init__(self, message: str, *, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


class InvalidParameterError(IRTError):
    """An item parameter, prior or option outside its allowed range."""


class ItemBankError(IRTError):
    """An item bank that adaptive selection cannot use (duplicate ids, bad targets)."""
