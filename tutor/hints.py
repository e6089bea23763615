"""The hints a learner has opened on an item: kept in their session, read once per request.

Kept in the session, not in the form, so that the count an answer is recorded with (an
assisted answer counts for less towards mastery) is what was shown, not what the
browser says; a reload keeps the hints on the page and in the count. The session holds
``[count, when the first was opened]`` per item: a right answer given since then ends
the count, even one a worker judged after the reply (a circuit answer is pending when
the view returns).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone

from tutor import selectors
from tutor.models import Item, User
from tutor.rendering import render_inline

__all__ = ["hints_context", "hints_open_next", "hints_shown"]


def _key(item: Item) -> str:
    return f"hints-shown:{item.pk}"


def hints_shown(session: SessionBase, learner: User, item: Item) -> int:
    """Hints of ``item`` the learner has opened since their last right answer to it."""
    stored = session.get(_key(item))
    if not (isinstance(stored, list) and len(stored) == 2 and isinstance(stored[0], int)
            and isinstance(stored[1], int | float) and stored[0] > 0):
        return 0
    try:
        opened = datetime.fromtimestamp(stored[1], tz=UTC)
    except (OverflowError, OSError, ValueError):  # a damaged session: no hints open
        session.pop(_key(item), None)
        return 0
    if selectors.answered_right_since(learner=learner, item=item, since=opened):
        session.pop(_key(item), None)
        return 0
    return min(stored[0], len(item.hints))


def hints_open_next(session: SessionBase, learner: User, item: Item) -> int:
    """Open the next hint, if any is left; the number now open."""
    shown = hints_shown(session, learner, item)
    if shown >= len(item.hints):
        return shown
    stored = session.get(_key(item))
    since = stored[1] if shown and isinstance(stored, list) else timezone.now().timestamp()
    session[_key(item)] = [shown + 1, since]
    return shown + 1


def hints_context(item: Item, shown: int) -> dict[str, Any]:
    """What the page's hints partial needs, for ``shown`` hints open."""
    return {"hints_used": shown, "hints_shown": [render_inline(h) for h in item.hints[:shown]],
            "hints_left": len(item.hints) - shown}
