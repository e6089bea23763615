"""Exceptions of the knowledge-graph core."""

from __future__ import annotations

__all__ = [
    "KnowledgeGraphError",
    "CyclicPrerequisiteError",
    "UnknownConceptError",
    "InvalidParameterError",
    "NotEnoughDataError",
]


class KnowledgeGraphError(ValueError):
    """Base class of every error this package raises on bad input."""


class CyclicPrerequisiteError(KnowledgeGraphError):
    """The prerequisite relation has a cycle; ``cycle`` lists it closed (a, b, c, a)."""

    def __init__(self, cycle: list[str]) -> None:
        self.cycle = cycle
        super().__init__("prerequisite cycle: " + " -> ".join(cycle))


class UnknownConceptError(KnowledgeGraphError):
    """A concept id that the graph does not hold."""

    def __init__(self, concept: str, where: str = "") -> None:
        self.concept = concept
        suffix = f" ({where})" if where else ""
        super().__init__(f"unknown concept {concept!r}{suffix}")


class InvalidParameterError(KnowledgeGraphError):
    """A probability or model parameter outside its allowed range."""


class NotEnoughDataError(KnowledgeGraphError):
    """A fit was asked of data that cannot identify the model (e.g. no observations)."""
