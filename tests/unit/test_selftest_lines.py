"""The self-test's plain report: the verdict as a sentence, one full stop at most."""

from __future__ import annotations

from kiosk.selftest import WORKING, SelfTest


def test_a_verdict_that_asks_a_question_is_not_given_a_full_stop_after_it() -> None:
    asking = SelfTest(verdict="The microphone hears nothing: is it plugged in and unmuted?")
    assert asking.lines()[0] == "The microphone hears nothing: is it plugged in and unmuted?"
    assert SelfTest(verdict=WORKING, ok=True).lines()[0] == "Sound and voice are working."
