"""The endpointer: where a push-to-talk request starts and ends (pure logic, synthetic audio)."""

from __future__ import annotations

import math
import random
from array import array

from kiosk.voice.endpoint import FRAME_MS, HANGOVER_MS, PRE_ROLL_MS, RATE, Endpointer

MS = RATE // 1000


def tone(ms: int, amplitude: float, freq: float = 220.0) -> array[int]:
    """A vowel-like tone (speech stand-in) of ``amplitude`` 0..1."""
    return array(
        "h",
        (int(amplitude * 32767 * math.sin(2 * math.pi * freq * i / RATE)) for i in range(ms * MS)),
    )


def noise(ms: int, amplitude: float, seed: int = 1) -> array[int]:
    rnd = random.Random(seed)
    return array("h", (int(rnd.gauss(0, amplitude * 32767)) for _ in range(ms * MS)))


def silence(ms: int) -> array[int]:
    return array("h", bytes(2 * ms * MS))


def mix(a: array[int], b: array[int]) -> array[int]:
    return array("h", (max(-32768, min(32767, x + y)) for x, y in zip(a, b, strict=True)))


def run(samples: array[int], piece_ms: int = 100, **kwargs: int) -> tuple[Endpointer, bytes]:
    endpointer = Endpointer(**kwargs)
    data = samples.tobytes()
    step = piece_ms * MS * 2
    fed = b""
    for start in range(0, len(data), step):
        fed += endpointer.push(data[start : start + step])
        if endpointer.done:
            break
    endpointer.finish()
    return endpointer, fed


def test_speech_between_quiet_stretches_is_found_with_its_pre_roll_and_ends_after_the_hangover() -> (
    None
):
    audio = silence(1500) + tone(1200, 0.3) + silence(1500)
    endpointer, fed = run(audio)
    assert endpointer.reason == "end of speech"
    assert endpointer.speech_start_frame is not None and endpointer.speech_end_frame is not None
    assert abs(endpointer.speech_start_frame * FRAME_MS - 1500) <= 2 * FRAME_MS
    assert abs(endpointer.speech_end_frame * FRAME_MS - 2700) <= 2 * FRAME_MS
    fed_ms = len(fed) // 2 // MS
    assert abs(fed_ms - (PRE_ROLL_MS + 1200 + HANGOVER_MS)) <= 4 * FRAME_MS
    assert endpointer.elapsed_ms < len(audio) // MS, "listening ended before the audio did"


def test_a_quiet_room_with_no_speech_is_nothing_heard_at_the_time_limit() -> None:
    endpointer, fed = run(noise(3000, 0.001), limit_ms=2000)
    assert endpointer.reason == "nothing heard"
    assert fed == b""
    assert endpointer.elapsed_ms == 2000


def test_speech_that_never_stops_ends_at_the_time_limit() -> None:
    endpointer, fed = run(silence(500) + tone(5000, 0.3), limit_ms=3000)
    assert endpointer.reason == "time limit"
    assert len(fed) // 2 // MS >= 2500


def test_speech_at_once_after_the_press_is_kept_from_the_start() -> None:
    endpointer, fed = run(tone(800, 0.3) + silence(200) + tone(600, 0.5) + silence(1500))
    assert endpointer.started
    # The first 100 ms set the floor at the speech's level; the gap lowers it, speech is found,
    # and everything from the press goes to the recogniser.
    assert fed[:3200] == (tone(800, 0.3).tobytes())[:3200]


def test_speech_over_steady_noise_is_found_and_ends_when_only_the_noise_is_left() -> None:
    room = noise(4000, 0.02)
    speech = silence(1200) + tone(1200, 0.2) + silence(1600)
    endpointer, _ = run(mix(room, speech))
    assert endpointer.reason == "end of speech"
    assert endpointer.speech_start_frame is not None
    assert abs(endpointer.speech_start_frame * FRAME_MS - 1200) <= 3 * FRAME_MS


def test_the_level_meter_follows_loudness() -> None:
    endpointer = Endpointer()
    endpointer.push(silence(200).tobytes())
    assert endpointer.level == 0.0
    endpointer.push(tone(200, 0.5).tobytes())
    assert endpointer.level > 0.8


def test_piece_sizes_do_not_change_the_result() -> None:
    audio = silence(1000) + tone(700, 0.3) + silence(1200)
    results = []
    for piece_ms in (7, 20, 100, 333):
        endpointer, fed = run(audio, piece_ms=piece_ms)
        results.append((endpointer.speech_start_frame, endpointer.speech_end_frame, len(fed)))
    assert len(set(results)) == 1, results


def test_a_short_request_said_the_moment_listening_starts_is_not_missed() -> None:
    # The floor is first measured on the speech itself; when the room turns out quieter, the
    # first second is looked at again.
    endpointer, fed = run(tone(500, 0.3) + silence(2500))
    assert endpointer.started and endpointer.reason == "end of speech"
    assert endpointer.speech_start_frame == 0
    assert fed.startswith(tone(500, 0.3).tobytes())
