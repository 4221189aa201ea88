"""The Qt application of the kiosk's sound output and voice input processes.

Both use only Qt Multimedia's audio classes (``QMediaDevices``, ``QAudioSink``,
``QAudioSource``), which live in the Qt Multimedia library itself. Qt would still load its media
backend plugin for them (FFmpeg, which brings Qt Quick and QML): 18 MB of each process, for media
players and cameras the kiosk never uses. Without plugin folders, Qt loads none.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QMessageLogContext, QtMsgType, qInstallMessageHandler
from PySide6.QtMultimedia import QMediaFormat

#: What Qt says when it has no media backend: expected here, so not passed on to the log.
NO_BACKEND = "No QtMultimedia backends found."


def audio_application(argv: list[str]) -> QCoreApplication:
    """A ``QCoreApplication`` whose Qt Multimedia has no media backend (the audio classes work
    without one); call it before any other Qt Multimedia use in the process."""
    QCoreApplication.setLibraryPaths([])
    app = QCoreApplication(argv)
    said: list[tuple[str, str]] = []

    def keep(_kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        said.append((context.category or "default", message))

    # Qt Multimedia chooses its backend (and warns that there is none) on first use: do it now,
    # with Qt's messages caught, and pass on any other than that warning.
    previous = qInstallMessageHandler(keep)
    try:
        QMediaFormat().supportedFileFormats(QMediaFormat.ConversionMode.Decode)
    finally:
        qInstallMessageHandler(previous)
    for category, message in said:
        if not message.startswith(NO_BACKEND):
            print(message if category == "default" else f"{category}: {message}", file=sys.stderr)
    return app
