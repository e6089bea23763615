"""What follows once an attempt has its verdict, in one place so nothing is forgotten.

Called inside the transaction that stores the verdict (for circuit answers, in
the Celery task), so the learner's state never disagrees with their attempts.
"""

from __future__ import annotations

from tutor.models import Attempt
from tutor.services.learning import diagnostic_attempt_judged, mastery_record
from tutor.services.plans import plan_refresh


def attempt_judged(*, attempt: Attempt) -> None:
    """Update everything that depends on a judged attempt."""
    # an unreadable answer is no evidence about the learner
    judged = attempt.verdict in (Attempt.Verdict.CORRECT, Attempt.Verdict.INCORRECT)
    if judged:
        mastery_record(attempt=attempt)
    # A waiting diagnostic, even if unreadable. After mastery: when this answer ends the
    # diagnostic, its result (which counts the answer) replaces the mastery, and must
    # not be updated with the same answer a second time.
    diagnostic_attempt_judged(attempt=attempt)
    if judged:
        plan_refresh(learner=attempt.learner, course=attempt.item.course)  # reads mastery
