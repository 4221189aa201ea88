"""Status words for staff ("health at a glance"): a badge in its own colours with a word, so
colour is never the only cue."""

from __future__ import annotations

import html

OK_BADGE = ("#ffffff", "#005a30")  # white on dark green, 8.9:1
CHECK_BADGE = ("#0b0c0c", "#ffb81c")  # near-black on amber, 11:1
STATUS_ROLES = ("ok", "check")
"""Staff report roles drawn as a status line (the line's text follows the badge)."""


def status_html(ok: bool, text: str) -> str:
    """A health line: an "OK" (green) or "CHECK" (amber) badge, then the text (escaped), its
    name in bold ("Sound: working." shows **Sound:**) so a line is found by its first word."""
    fg, bg = OK_BADGE if ok else CHECK_BADGE
    word = "OK" if ok else "CHECK"
    name, colon, rest = text.partition(": ")
    shown = f"<b>{html.escape(name)}:</b> {html.escape(rest)}" if colon else html.escape(text)
    return (
        f'<span style="color:{fg}; background-color:{bg};"><b>&nbsp;{word}&nbsp;</b></span>'
        f"&nbsp; {shown}"
    )
