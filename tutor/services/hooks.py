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
    diagnostic_attempt_judged(attempt=attempt)  # a waiting diagnostic, even if unreadable
    if attempt.verdict not in (Attempt.Verdict.CORRECT, Attempt.Verdict.INCORRECT):
        return  # an unreadable answer is no evidence about the learner
    mastery_record(attempt=attempt)
    plan_refresh(learner=attempt.learner, course=attempt.item.course)  # after mastery: it reads it
