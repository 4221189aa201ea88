"""A bounded cache of rendered speech (WAV files), so a page read twice is not rendered twice.

Only text-to-speech output goes here: each entry is what the kiosk itself said, keyed by the
spoken text and voice settings. Microphone audio is never stored, here or anywhere (a patient's
voice is not kept; see shared/VOICE.md, "Never store microphone audio").

Entries are files ``<key>.wav`` in one folder. Every read is validated, a damaged entry is deleted
and counted, and the folder is kept under a size limit by deleting the least recently used entries
(by modification time, which a hit refreshes). Failing to write the cache never stops speech: the
caller gets ``CacheUnavailable`` and plays the render directly.

Pure module: standard library only.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import secrets
import struct
import time
import wave
from dataclasses import dataclass
from pathlib import Path

MIN_RATE = 8000
MAX_RATE = 48000
_KEY = re.compile(r"[0-9a-f]{64}")
_TEMP_SUFFIX = ".tmp"


class CorruptAudio(ValueError):
    """A file is not a sane 16-bit PCM WAV (bad header, wrong format, truncated, empty...)."""


class CacheUnavailable(OSError):
    """The cache folder cannot be written (missing permission, full disk...). Speak uncached."""


def cache_key(spoken_text: str, voice: str, rate_wpm: int, pitch: int, engine: str) -> str:
    """The cache key of one rendering: SHA-256 (hex) of a canonical JSON of everything that
    changes the sound."""
    fields = {
        "engine": engine,
        "pitch": pitch,
        "rate_wpm": rate_wpm,
        "text": spoken_text,
        "voice": voice,
    }
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class WavAudio:
    """Decoded WAV audio: 16-bit signed little-endian PCM, interleaved when stereo."""

    rate: int
    channels: int
    sample_width: int
    pcm: bytes

    @property
    def frames(self) -> int:
        """The number of sample frames."""
        return len(self.pcm) // (self.channels * self.sample_width)

    @property
    def seconds(self) -> float:
        """The duration in seconds."""
        return self.frames / self.rate


def read_wav(path: Path) -> WavAudio:
    """The audio in ``path``. Raises ``CorruptAudio`` unless it is a sane PCM WAV: a RIFF/WAVE
    header, PCM format, 16-bit samples, 1 or 2 channels, 8000..48000 Hz, at least one frame, and
    a data chunk whose length matches the file. ``OSError`` if the file cannot be read."""
    return parse_wav(path.read_bytes())


def wav_bytes(audio: WavAudio) -> bytes:
    """``audio`` as the bytes of a WAV file."""
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(audio.channels)
        writer.setsampwidth(audio.sample_width)
        writer.setframerate(audio.rate)
        writer.writeframes(audio.pcm)
    return out.getvalue()


def parse_wav(data: bytes) -> WavAudio:
    """Like ``read_wav`` for the bytes of a WAV file."""
    data_length = _check_chunks(data)
    try:
        with wave.open(io.BytesIO(data), "rb") as reader:
            channels = reader.getnchannels()
            width = reader.getsampwidth()
            rate = reader.getframerate()
            frames = reader.getnframes()
            if reader.getcomptype() != "NONE":
                raise CorruptAudio("the audio is compressed; expected plain PCM")
            if width != 2:
                raise CorruptAudio(f"the audio has {8 * width}-bit samples; expected 16-bit")
            if channels not in (1, 2):
                raise CorruptAudio(f"the audio has {channels} channels; expected 1 or 2")
            if not MIN_RATE <= rate <= MAX_RATE:
                raise CorruptAudio(
                    f"the sample rate is {rate} Hz; expected {MIN_RATE} to {MAX_RATE} Hz"
                )
            if frames == 0:
                raise CorruptAudio("the audio is empty (no frames)")
            pcm = reader.readframes(frames)
    except (wave.Error, EOFError, struct.error) as error:
        raise CorruptAudio(f"not a PCM WAV file ({error or type(error).__name__})") from error
    if len(pcm) != frames * channels * width or len(pcm) != data_length:
        raise CorruptAudio("the audio data is shorter or longer than its header says")
    return WavAudio(rate, channels, width, pcm)


def _check_chunks(data: bytes) -> int:
    """The length of the data chunk after checking that the RIFF chunks fill the file exactly.

    The ``wave`` module reads what the header promises and quietly returns fewer frames from a
    truncated file, and ignores trailing garbage; a cache must not serve either.
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise CorruptAudio("not a WAV file (no RIFF/WAVE header)")
    (riff_length,) = struct.unpack_from("<I", data, 4)
    if riff_length + 8 != len(data):
        raise CorruptAudio(f"the header says {riff_length + 8} bytes; the file has {len(data)}")
    position = 12
    data_length: int | None = None
    saw_format = False
    while position < len(data):
        if position + 8 > len(data):
            raise CorruptAudio("the file ends inside a chunk header")
        name = data[position : position + 4]
        (length,) = struct.unpack_from("<I", data, position + 4)
        body_end = position + 8 + length
        if body_end > len(data):
            raise CorruptAudio(f"the {name!r} chunk runs past the end of the file")
        if name == b"fmt ":
            saw_format = True
        elif name == b"data":
            if not saw_format:
                raise CorruptAudio("the data chunk comes before the format chunk")
            data_length = length
        position = body_end + (length & 1)  # chunks are padded to an even length
    if position != len(data):
        raise CorruptAudio("the file ends inside a chunk's padding")
    if data_length is None:
        raise CorruptAudio("the file has no data chunk")
    return data_length


class AudioCache:
    """Rendered speech on disk, at most ``max_bytes`` in total (least recently used goes first).

    TTS output only: never microphone audio. ``corrupt_dropped`` counts damaged entries that were
    found and deleted (for the staff status page and tests).
    """

    def __init__(self, folder: Path, max_bytes: int = 200 * 1024 * 1024) -> None:
        if max_bytes < 0:
            raise ValueError(f"max_bytes is {max_bytes}; expected 0 or more")
        self.folder = folder
        self.max_bytes = max_bytes
        self.corrupt_dropped = 0
        self._last_stamp = 0

    def path_of(self, key: str) -> Path:
        """Where the entry for ``key`` lives. Keys are ``cache_key`` results; anything else is a
        programming error (and could name a file outside the folder)."""
        if not _KEY.fullmatch(key):
            raise ValueError(f"not a cache key: {key!r}")
        return self.folder / f"{key}.wav"

    def get(self, key: str) -> WavAudio | None:
        """The cached audio for ``key``, or None. A hit becomes the most recently used entry; a
        damaged entry is deleted and counted, never returned."""
        path = self.path_of(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        try:
            audio = parse_wav(data)
        except CorruptAudio:
            with contextlib.suppress(OSError):
                path.unlink()
            self.corrupt_dropped += 1
            return None
        with contextlib.suppress(OSError):
            self._touch(path)
        return audio

    def put(self, key: str, source_wav: Path) -> WavAudio:
        """Store a copy of the render ``source_wav`` under ``key`` and return its audio.

        Raises ``CorruptAudio`` (nothing stored) if the render is not a sane WAV, and
        ``CacheUnavailable`` if the cache cannot be written; the caller may still play the render.
        The source file is left where it is. The copy appears atomically (a temporary file in the
        same folder, then ``os.replace``), so a reader never sees half an entry. Then the least
        recently used entries are deleted until the cache fits ``max_bytes``; the new entry itself
        is never deleted, even if it alone is larger.
        """
        try:
            data = source_wav.read_bytes()
        except OSError as error:
            raise CorruptAudio(
                f"the rendered audio {source_wav} cannot be read ({error.strerror or error})"
            ) from error
        audio = parse_wav(data)
        self._store(key, data)
        return audio

    def put_audio(self, key: str, audio: WavAudio) -> None:
        """Store ``audio`` (rendered in memory) under ``key``, as ``put`` stores a file.

        Raises ``CorruptAudio`` (nothing stored) if it is not sane audio, ``CacheUnavailable``
        if the cache cannot be written."""
        data = wav_bytes(audio)
        parse_wav(data)
        self._store(key, data)

    def _store(self, key: str, data: bytes) -> None:
        target = self.path_of(key)
        # (secrets, not uuid: uuid brings the platform module, 3-5 ms of the kiosk's start)
        temporary = self.folder / f".{key}.{os.getpid()}.{secrets.token_hex(16)}{_TEMP_SUFFIX}"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(temporary, "xb") as stream:
                stream.write(data)
            os.replace(temporary, target)
            self._touch(target)
        except OSError as error:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise self._unavailable(error) from error
        self._evict(keep=target)

    def size_bytes(self) -> int:
        """The total size of the entries, in bytes."""
        return sum(size for _, size, _ in self._entries())

    def clear(self) -> None:
        """Delete every entry (and any temporary file left by an interrupted ``put``)."""
        try:
            names = list(self.folder.iterdir())
        except FileNotFoundError:
            return
        except OSError as error:
            raise self._unavailable(error) from error
        for path in names:
            if _is_entry(path) or path.name.endswith(_TEMP_SUFFIX):
                try:
                    path.unlink()
                except FileNotFoundError:
                    pass
                except OSError as error:
                    raise self._unavailable(error) from error

    def _touch(self, path: Path) -> None:
        # Strictly increasing stamps: two entries written within the file system's clock tick
        # must still be told apart, or the eviction order would be a guess.
        stamp = max(time.time_ns(), self._last_stamp + 1)
        self._last_stamp = stamp
        os.utime(path, ns=(stamp, stamp))

    def _entries(self) -> list[tuple[int, int, Path]]:
        """``(mtime_ns, size, path)`` of every entry; an unreadable folder has none."""
        entries: list[tuple[int, int, Path]] = []
        try:
            paths = list(self.folder.iterdir())
        except OSError:
            return entries
        for path in paths:
            if not _is_entry(path):
                continue
            try:
                status = path.stat()
            except OSError:  # deleted meanwhile
                continue
            entries.append((status.st_mtime_ns, status.st_size, path))
        return entries

    def _evict(self, keep: Path) -> None:
        entries = sorted(self._entries(), key=lambda e: (e[0], e[2].name))
        total = sum(size for _, size, _ in entries)
        for _, size, path in entries:
            if total <= self.max_bytes:
                break
            if path == keep:
                continue
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError:
                continue  # cannot delete: count it and try the next one
            total -= size

    def _unavailable(self, error: OSError) -> CacheUnavailable:
        reason = error.strerror or str(error)
        return CacheUnavailable(
            f"the speech cache folder {self.folder} cannot be written ({reason}); "
            "speech works without it, only slower"
        )


def _is_entry(path: Path) -> bool:
    return path.suffix == ".wav" and _KEY.fullmatch(path.stem) is not None
