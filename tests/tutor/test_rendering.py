"""Course Markdown as the pages show it, and as plain text for links and titles."""

from __future__ import annotations

import pytest

from tutor.rendering import plain_summary, render_markdown


@pytest.mark.parametrize(("source", "summary"), [
    # the lesson page used to link "A 0.5 V source sets $V(in)$ ..." as typed
    ("A 0.5 V source sets $V(in)$ across `R1`.", "A 0.5 V source sets V(in) across R1."),
    ("**Circuit:** node `in` to ground", "Circuit: node in to ground"),
    ("one two three four five six seven eight nine ten eleven twelve thirteen",
     "one two three four five six seven eight nine ten eleven twelve \u2026"),
    ("First paragraph.\n\nSecond one.", "First paragraph. Second one."),
])
def test_plain_summary_reads_the_rendered_text(source, summary):
    assert plain_summary(render_markdown(source)) == summary


def test_plain_summary_keeps_no_markup_or_tex():
    text = plain_summary(render_markdown("Find $\\frac{V_{out}}{V_{in}}$ of <b>this</b>"))
    assert "<" not in text and "\\" not in text and "$" not in text
