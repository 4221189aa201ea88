"""One intent vocabulary: taps, keys and spoken commands make the same requests."""

from __future__ import annotations

import pytest

from kiosk.core.intents import ARGUMENTS, Intent, Request, TopicChoice
from kiosk.listen.commands import COMMAND_REPLIES, COMMAND_REQUESTS, COMMANDS, READ_AFTER
from kiosk.ui.keys import KEY_REQUESTS, WINDOW_ACTIONS, KeyAction


def test_every_spoken_command_makes_a_request() -> None:
    assert set(COMMAND_REQUESTS) == set(COMMANDS)
    assert all(isinstance(request, Request) for request in COMMAND_REQUESTS.values())
    assert set(COMMAND_REPLIES) <= set(COMMANDS)
    assert set(COMMANDS) >= READ_AFTER


def test_every_key_action_is_the_windows_own_or_a_request() -> None:
    assert set(KEY_REQUESTS).isdisjoint(WINDOW_ACTIONS)
    assert set(KEY_REQUESTS) | WINDOW_ACTIONS == set(KeyAction)


@pytest.mark.parametrize(
    ("command", "action"),
    [
        ("home", KeyAction.HOME),
        ("back", KeyAction.BACK),
        ("help", KeyAction.HELP),
        ("read", KeyAction.READ),
        ("stop", KeyAction.STOP),
        ("pause", KeyAction.PAUSE),
        ("repeat", KeyAction.REPEAT),
        ("louder", KeyAction.LOUDER),
        ("quieter", KeyAction.QUIETER),
        ("faster", KeyAction.FASTER),
        ("slower", KeyAction.SLOWER),
        ("yes", KeyAction.ANSWER_YES),
        ("no", KeyAction.ANSWER_NO),
    ],
)
def test_a_spoken_command_and_its_key_make_the_same_request(
    command: str, action: KeyAction
) -> None:
    assert COMMAND_REQUESTS[command] == KEY_REQUESTS[action]


def test_steps_and_answers_carry_their_direction() -> None:
    assert COMMAND_REQUESTS["louder"] == Request(Intent.VOLUME, +1)
    assert COMMAND_REQUESTS["quieter"] == Request(Intent.VOLUME, -1)
    assert COMMAND_REQUESTS["faster"] == Request(Intent.RATE, +1)
    assert COMMAND_REQUESTS["slower"] == Request(Intent.RATE, -1)
    assert KEY_REQUESTS[KeyAction.NEXT_PAGE] == Request(Intent.PAGE, +1)
    assert KEY_REQUESTS[KeyAction.PREVIOUS_PAGE] == Request(Intent.PAGE, -1)
    assert COMMAND_REQUESTS["yes"] == Request(Intent.ANSWER, True)
    assert COMMAND_REQUESTS["no"] == Request(Intent.ANSWER, False)


def test_a_request_carries_exactly_the_argument_its_intent_takes() -> None:
    assert Request(Intent.TOPIC, TopicChoice("pain", "touch")).arg == TopicChoice("pain", "touch")
    assert Request(Intent.TEXT_SCALE, 150).arg == 150
    with pytest.raises(TypeError):
        Request(Intent.VOLUME)  # which way?
    with pytest.raises(TypeError):
        Request(Intent.BACK, 1)
    with pytest.raises(TypeError):
        Request(Intent.TOPIC, "pain")  # how it was chosen is counted
    assert set(ARGUMENTS) <= set(Intent)


def test_a_topic_is_chosen_only_in_the_ways_the_usage_counts_know() -> None:
    with pytest.raises(ValueError, match="not chosen by"):
        TopicChoice("pain", "telepathy")


def test_a_pin_request_never_shows_the_digits() -> None:
    assert "583920" not in repr(Request(Intent.PIN, "583920"))
    assert "583920" not in str(Request(Intent.PIN, "583920"))
