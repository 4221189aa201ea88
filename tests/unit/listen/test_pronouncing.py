"""PocketSphinx's pronunciation dictionary read from its file answers as a decoder holding it
does (the recogniser used to keep such a decoder only for look-ups: 28 MB)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.listen.pronouncing import PHONES, BadPronunciation, PronouncingDictionary

pocketsphinx = pytest.importorskip("pocketsphinx")


@pytest.fixture(scope="module")
def both() -> tuple[PronouncingDictionary, object]:
    config = pocketsphinx.Config(lm=None)
    model = Path(config["hmm"])
    words = PronouncingDictionary(Path(config["dict"]), model / "noisedict")
    decoder = pocketsphinx.Decoder(samprate=16000, loglevel="FATAL", lm=None)
    return words, decoder


def test_look_ups_are_the_decoders_for_every_kind_of_word(
    both: tuple[PronouncingDictionary, object],
) -> None:
    words, decoder = both
    listed = [
        line.split()[0]
        for line in Path(pocketsphinx.Config(lm=None)["dict"]).read_text().splitlines()
    ]
    assert len(listed) > 130_000
    asked = [
        *listed[::97],  # across the whole file (a full pass is in the commit that added this)
        *listed[:40],  # "'bout", "a", "a(2)", "a's", "a."...
        *listed[-40:],
        *(word + "x" for word in listed[::997]),
        *(word[:-1] for word in listed[::991]),
        *("read", "read(2)", "read(3)", "live(2)", "hello(1)", "a(9)"),
        *("Hello", "HELLO", "<s>", "</s>", "<sil>", "[NOISE]", "[noise]", "[SPEECH]"),
        *("", "zzyzx", "café", "hello world", "(2)", "'", "zzzzzzzzzzzz", "aaaa"),
    ]
    assert [words.lookup(w) for w in asked] == [decoder.lookup_word(w) for w in asked]  # type: ignore[attr-defined]


def test_added_words_take_only_the_acoustic_models_phones_as_the_decoder_does(
    both: tuple[PronouncingDictionary, object],
) -> None:
    words, decoder = both
    for n, phone in enumerate(sorted(PHONES)):  # each of them the decoder takes
        decoder.add_word(f"qqphone{n}", phone, False)  # type: ignore[attr-defined]
    words.add("hypercalcaemia", "HH AY P ER  K AE L S IY M IY AH")
    assert words.lookup("hypercalcaemia") == "HH AY P ER K AE L S IY M IY AH"
    for bad in ("XX", "hh ay", "AY1 P", ""):
        with pytest.raises(BadPronunciation):
            words.add("qqbad", bad)
        with pytest.raises(RuntimeError):
            decoder.add_word("qqbad", bad or "XX", False)  # type: ignore[attr-defined]
    with pytest.raises(ValueError):
        words.add("hello", "HH AH")
    assert words.lookup("qqbad") is None
