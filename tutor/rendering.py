"""Markdown with maths, rendered once at import and sanitised.

Maths is LaTeX between ``$...$`` or ``$$...$$``. It is converted on the server
to MathML, which browsers render natively, so lessons need no JavaScript. The
result goes through nh3 (an allow-list sanitiser) with the MathML vocabulary
allowed, so a course file can never put script into a page.
"""

from __future__ import annotations

import html
import re
import secrets

import markdown
import nh3
from django.utils.html import strip_tags
from django.utils.text import Truncator

_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
# Inline maths: no space just inside the dollars, so "costs $5 and $6" stays text.
_INLINE = re.compile(r"(?<![\\$\w])\$(?=\S)(.+?)(?<=\S)\$(?![\w$])")
_CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.DOTALL)

_MATHML_TAGS = {
    "math", "semantics", "annotation", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace",
    "msub", "msup", "msubsup", "mfrac", "msqrt", "mroot", "mstyle", "mpadded", "mphantom",
    "menclose", "munder", "mover", "munderover", "mtable", "mtr", "mtd", "merror",
}
_HTML_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "sub",
    "sup", "span", "div", "dl", "dt", "dd",
}
_MATHML_ATTRS = {
    "display", "xmlns", "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace",
    "accent", "accentunder", "columnalign", "rowspacing", "columnspacing", "width", "height",
    "depth", "linethickness", "notation", "minsize", "maxsize", "movablelimits", "form",
    "scriptlevel", "displaystyle", "encoding",
}
_ATTRS: dict[str, set[str]] = {
    "a": {"href", "title"},
    "th": {"align"},
    "td": {"align"},
    "code": {"class"},
    "span": {"class"},
    "div": {"class"},
    **{tag: _MATHML_ATTRS for tag in _MATHML_TAGS},
}


def _to_mathml(tex: str, *, display: bool) -> str:
    from latex2mathml.converter import convert

    try:
        return convert(tex.strip(), display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - any converter failure shows the source instead
        return f'<code class="math-source">{html.escape(tex)}</code>'


def render_markdown(text: str) -> str:
    """Render course Markdown (with ``$`` maths) to sanitised HTML."""
    placeholders: dict[str, str] = {}
    token = secrets.token_hex(4)

    def stash(fragment: str) -> str:
        key = f"KIRCHHOFFMATH{token}N{len(placeholders)}X"
        placeholders[key] = fragment
        return key

    # Code spans keep their dollars: split them out before looking for maths.
    pieces = _CODE.split(text)
    for i in range(0, len(pieces), 2):
        piece = _DISPLAY.sub(lambda m: "\n\n" + stash(_to_mathml(m.group(1), display=True))
                             + "\n\n", pieces[i])
        pieces[i] = _INLINE.sub(lambda m: stash(_to_mathml(m.group(1), display=False)), piece)
    body = markdown.markdown("".join(pieces), extensions=["tables", "fenced_code", "sane_lists"])
    for key, fragment in placeholders.items():
        body = body.replace(f"<p>{key}</p>", fragment).replace(key, fragment)
    return nh3.clean(
        body,
        tags=_HTML_TAGS | _MATHML_TAGS,
        attributes=_ATTRS,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def render_inline(text: str) -> str:
    """Render a one-line fragment (a choice, a hint) without its wrapping paragraph."""
    body = render_markdown(text).strip()
    if body.startswith("<p>") and body.endswith("</p>") and body.count("<p>") == 1:
        body = body[3:-4]
    return body



def plain_summary(rendered: str, *, words: int = 12) -> str:
    """The first ``words`` words of rendered course HTML as plain text, for a link.

    Reads the HTML rather than the Markdown source so that maths reads as its symbols
    ("V(in)", not "$V(in)$": the MathML holds no TeX) and code as its text.
    """
    text = " ".join(html.unescape(strip_tags(rendered)).split())
    return Truncator(text).words(words, truncate=" \u2026")
