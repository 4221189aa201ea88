"""The audio the read-aloud queue hands to the output: a reading starts at its first sound."""

from __future__ import annotations

from kiosk.play.read_aloud import without_leading_zeros


def test_leading_digital_silence_is_dropped_and_nothing_else() -> None:
    sound = b"\x01\x00\xff\xff\x00\x00\x10\x00"
    assert without_leading_zeros(b"\x00" * 40 + sound, 2) == sound
    # A first sample whose low byte is zero is kept whole (whole frames only).
    assert without_leading_zeros(b"\x00\x00\x00\x01\x00\x00", 2) == b"\x00\x01\x00\x00"
    assert without_leading_zeros(b"\x00\x00\x00\x00\x00\x01", 4) == b"\x00\x01"
    # Quiet but not silent samples are sound: kept.
    assert without_leading_zeros(b"\x01\x00" + b"\x00" * 10, 2) == b"\x01\x00" + b"\x00" * 10
    # All silence stays as it is (nothing to start on).
    assert without_leading_zeros(b"\x00" * 10, 2) == b"\x00" * 10
