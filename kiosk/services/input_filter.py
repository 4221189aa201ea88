"""One application-wide event filter for everything that watches the patient's input: idle timing,
the audio guide and the window's keys.

Qt calls an application event filter for every event of every object, and a tap that opens a
page makes hundreds (children added, polished, laid out, painted). Each call into a filter
written in Python costs a few microseconds of wrapping before the filter can even look at the
event's type, so three such filters took milliseconds of every tap (a text-size change, which
repolishes every widget, many more). This one filter lets only input events (mouse, touch, key,
wheel) through to the watchers, in the order given; a watcher that returns True takes the event
and those after it do not see it (as with Qt's own filters).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QInputEvent

Watcher = Callable[[QObject, QEvent], bool]


class InputFilter(QObject):
    """Passes input events to ``watchers`` (each ``(watched, event) -> taken``), in order."""

    def __init__(self, watchers: Sequence[Watcher], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.watchers = list(watchers)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(event, QInputEvent):
            return False
        return any(watcher(watched, event) for watcher in self.watchers)
