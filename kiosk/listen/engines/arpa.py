"""The request language as an ARPA trigram language model (what PocketSphinx searches)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence


def trigram_arpa(sentences: Sequence[Sequence[str]], extra_words: Iterable[str] = ()) -> str:
    """An ARPA trigram language model of ``sentences`` (lists of words; a repeated sentence
    counts again) built with ``pocketsphinx.lm.ArpaBoLM`` (Good-Turing-free absolute discounting,
    back-off); ``extra_words`` join it as one-word sentences (a small count each), so they can be
    heard but are less likely than the sentences' words."""
    from pocketsphinx.lm import ArpaBoLM

    lines = [" ".join(s) for s in sentences if s]
    lines += [w for w in extra_words if w]
    if not lines:
        raise ValueError("a language model needs at least one word")
    model = ArpaBoLM(text="\n".join(lines), add_start=True)
    model.compute()
    out = io.StringIO()
    model.write(out)
    return out.getvalue()
