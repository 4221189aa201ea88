"""The cache of rendered speech: validation of every WAV, LRU eviction, failures as exceptions."""

from __future__ import annotations

import os
import struct
import wave
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.speech.cache import (
    AudioCache,
    CacheUnavailable,
    CorruptAudio,
    WavAudio,
    cache_key,
    read_wav,
)


def make_wav(
    path: Path,
    frames: int = 1000,
    rate: int = 22050,
    channels: int = 1,
    width: int = 2,
    seed: int = 0,
) -> Path:
    """A WAV like pyttsx3's espeak driver writes (22050 Hz mono 16-bit by default)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(width)
        writer.setframerate(rate)
        writer.writeframes(bytes((seed + i) % 256 for i in range(frames * channels * width)))
    return path


def key(n: int) -> str:
    return cache_key(f"sentence {n}", "gmw/en", 175, 50, "espeak-ng")


# --- cache keys -------------------------------------------------------------------------------


def test_cache_key_is_sha256_hex_and_depends_on_every_field() -> None:
    base = ("Hello.", "gmw/en", 175, 50, "espeak-ng")
    first = cache_key(*base)
    assert len(first) == 64 and all(c in "0123456789abcdef" for c in first)
    assert cache_key(*base) == first
    variants = [
        ("Hello!", "gmw/en", 175, 50, "espeak-ng"),
        ("Hello.", "gmw/en-GB-x-rp", 175, 50, "espeak-ng"),
        ("Hello.", "gmw/en", 176, 50, "espeak-ng"),
        ("Hello.", "gmw/en", 175, 51, "espeak-ng"),
        ("Hello.", "gmw/en", 175, 50, "other"),
    ]
    keys = {cache_key(*v) for v in variants}
    assert len(keys) == len(variants) and first not in keys


def test_cache_key_fields_cannot_run_into_each_other() -> None:
    assert cache_key("a", "bc", 1, 1, "e") != cache_key("ab", "c", 1, 1, "e")


# --- reading WAV files ------------------------------------------------------------------------


def test_read_wav_of_a_good_file(tmp_path: Path) -> None:
    path = make_wav(tmp_path / "a.wav", frames=441)
    audio = read_wav(path)
    assert (audio.rate, audio.channels, audio.sample_width) == (22050, 1, 2)
    assert audio.frames == 441 and len(audio.pcm) == 882
    assert audio.seconds == pytest.approx(0.02)


@pytest.mark.parametrize(("rate", "channels"), [(8000, 1), (48000, 2), (16000, 2)])
def test_read_wav_accepts_sane_formats(tmp_path: Path, rate: int, channels: int) -> None:
    audio = read_wav(make_wav(tmp_path / "a.wav", rate=rate, channels=channels))
    assert (audio.rate, audio.channels) == (rate, channels)


def pcm_header(format_tag: int = 1, channels: int = 1, rate: int = 22050, width: int = 2) -> bytes:
    return struct.pack(
        "<HHIIHH", format_tag, channels, rate, rate * channels * width, channels * width, 8 * width
    )


def riff(*chunks: tuple[bytes, bytes]) -> bytes:
    body = b"WAVE" + b"".join(
        name + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")
        for name, data in chunks
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body


def good_bytes(tmp_path: Path) -> bytes:
    return make_wav(tmp_path / "good.wav").read_bytes()


CORRUPTIONS: dict[str, Callable[[bytes], bytes]] = {
    "empty file": lambda good: b"",
    "truncated": lambda good: good[: len(good) // 2],
    "truncated header": lambda good: good[:30],
    "wrong header": lambda good: b"RIFX" + good[4:],
    "not WAVE": lambda good: good[:8] + b"AVI " + good[12:],
    "text file": lambda good: b"hello, this is not audio at all" * 3,
    "trailing garbage": lambda good: good + b"garbage!",
    "riff length wrong": lambda good: good[:4] + struct.pack("<I", 10) + good[8:],
    "zero frames": lambda good: riff((b"fmt ", pcm_header()), (b"data", b"")),
    "8-bit": lambda good: riff((b"fmt ", pcm_header(width=1)), (b"data", b"\x80" * 100)),
    "24-bit": lambda good: riff((b"fmt ", pcm_header(width=3)), (b"data", b"\0" * 300)),
    "float": lambda good: riff(
        (b"fmt ", pcm_header(format_tag=3, width=4)), (b"data", b"\0" * 400)
    ),
    "3 channels": lambda good: riff((b"fmt ", pcm_header(channels=3)), (b"data", b"\0" * 600)),
    "96 kHz": lambda good: riff((b"fmt ", pcm_header(rate=96000)), (b"data", b"\0" * 600)),
    "4 kHz": lambda good: riff((b"fmt ", pcm_header(rate=4000)), (b"data", b"\0" * 600)),
    "no data chunk": lambda good: riff((b"fmt ", pcm_header())),
    "no fmt chunk": lambda good: riff((b"data", b"\0" * 600)),
    "odd data length": lambda good: riff((b"fmt ", pcm_header()), (b"data", b"\0" * 601)),
    "data longer than file": lambda good: good[:40] + struct.pack("<I", 10**6) + good[44:],
}


@pytest.mark.parametrize("name", CORRUPTIONS)
def test_read_wav_rejects_what_is_not_a_sane_pcm_wav(tmp_path: Path, name: str) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(CORRUPTIONS[name](good_bytes(tmp_path)))
    with pytest.raises(CorruptAudio):
        read_wav(path)


def test_a_wav_with_an_extra_chunk_after_the_data_is_fine(tmp_path: Path) -> None:
    data = riff((b"fmt ", pcm_header()), (b"data", b"\1\0" * 10), (b"LIST", b"INFOabc"))
    path = tmp_path / "list.wav"
    path.write_bytes(data)
    assert read_wav(path) == WavAudio(22050, 1, 2, b"\1\0" * 10)


# --- the cache --------------------------------------------------------------------------------


def test_put_then_get_round_trip(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path / "cache" / "tts")  # created on demand
    source = make_wav(tmp_path / "render.wav", frames=500, seed=7)
    stored = cache.put(key(1), source)
    assert stored == read_wav(source)
    assert cache.get(key(1)) == stored
    assert cache.path_of(key(1)).is_file()
    assert source.is_file()  # the caller's render is left alone
    assert cache.size_bytes() == source.stat().st_size
    assert [p.name for p in cache.folder.iterdir()] == [f"{key(1)}.wav"]  # no temporary left


def test_audio_rendered_in_memory_is_stored_as_a_wav(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path / "cache")
    audio = WavAudio(22050, 1, 2, bytes(range(256)) * 8)
    cache.put_audio(key(1), audio)
    assert cache.get(key(1)) == audio
    assert read_wav(cache.path_of(key(1))) == audio
    assert [p.name for p in cache.folder.iterdir()] == [f"{key(1)}.wav"]
    with pytest.raises(CorruptAudio):
        cache.put_audio(key(2), WavAudio(22050, 1, 2, b""))
    assert cache.get(key(2)) is None


def test_get_of_a_missing_entry_or_folder_is_none(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path / "nowhere")
    assert cache.get(key(1)) is None
    assert cache.size_bytes() == 0
    assert cache.corrupt_dropped == 0
    cache.clear()  # nothing to clear is fine


def test_put_replaces_an_existing_entry(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path / "cache")
    cache.put(key(1), make_wav(tmp_path / "a.wav", seed=1))
    second = cache.put(key(1), make_wav(tmp_path / "b.wav", seed=2))
    assert cache.get(key(1)) == second


def test_keys_must_be_cache_keys(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path / "cache")
    for bad in ["../../etc/passwd", "abc", key(1).upper(), key(1) + ".wav"]:
        with pytest.raises(ValueError):
            cache.get(bad)


def entry_size(tmp_path: Path) -> int:
    return make_wav(tmp_path / "probe.wav").stat().st_size


def test_least_recently_used_entries_are_evicted_first(tmp_path: Path) -> None:
    size = entry_size(tmp_path)
    cache = AudioCache(tmp_path / "cache", max_bytes=3 * size)
    for n in range(1, 4):
        cache.put(key(n), make_wav(tmp_path / f"{n}.wav", seed=n))
    assert cache.size_bytes() == 3 * size
    cache.put(key(4), make_wav(tmp_path / "4.wav", seed=4))
    assert cache.get(key(1)) is None  # the oldest went
    assert all(cache.get(key(n)) is not None for n in (2, 3, 4))
    assert cache.size_bytes() == 3 * size


def test_a_hit_refreshes_recency(tmp_path: Path) -> None:
    size = entry_size(tmp_path)
    cache = AudioCache(tmp_path / "cache", max_bytes=3 * size)
    for n in range(1, 4):
        cache.put(key(n), make_wav(tmp_path / f"{n}.wav", seed=n))
    before = cache.path_of(key(1)).stat().st_mtime_ns
    assert cache.get(key(1)) is not None  # 1 is now the most recent; 2 is the oldest
    assert cache.path_of(key(1)).stat().st_mtime_ns > before
    cache.put(key(4), make_wav(tmp_path / "4.wav", seed=4))
    assert not cache.path_of(key(2)).exists()
    assert cache.path_of(key(1)).exists()
    cache.put(key(5), make_wav(tmp_path / "5.wav", seed=5))
    assert not cache.path_of(key(3)).exists()
    assert {p.stem for p in cache.folder.iterdir()} == {key(1), key(4), key(5)}


def test_recency_survives_a_new_cache_object(tmp_path: Path) -> None:
    """Order comes from the files' modification times, not from memory."""
    size = entry_size(tmp_path)
    folder = tmp_path / "cache"
    first = AudioCache(folder, max_bytes=2 * size)
    first.put(key(1), make_wav(tmp_path / "1.wav"))
    first.put(key(2), make_wav(tmp_path / "2.wav"))
    old = 1_000_000_000_000_000_000
    os.utime(first.path_of(key(2)), ns=(old, old))  # 2 was used long ago
    second = AudioCache(folder, max_bytes=2 * size)
    second.put(key(3), make_wav(tmp_path / "3.wav"))
    assert not second.path_of(key(2)).exists()
    assert second.path_of(key(1)).exists() and second.path_of(key(3)).exists()


def test_the_entry_just_added_is_never_evicted(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path / "cache", max_bytes=10)  # smaller than any entry
    cache.put(key(1), make_wav(tmp_path / "1.wav"))
    audio = cache.put(key(2), make_wav(tmp_path / "2.wav", frames=5000))
    assert cache.get(key(2)) == audio
    assert not cache.path_of(key(1)).exists()


def test_clear_removes_entries_and_leftover_temporaries(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path / "cache")
    cache.put(key(1), make_wav(tmp_path / "1.wav"))
    leftover = cache.folder / f".{key(2)}.123.abc.tmp"
    leftover.write_bytes(b"half a file")
    unrelated = cache.folder / "README.txt"
    unrelated.write_text("not ours")
    assert cache.size_bytes() == make_wav(tmp_path / "1.wav").stat().st_size
    cache.clear()
    assert cache.size_bytes() == 0
    assert sorted(p.name for p in cache.folder.iterdir()) == ["README.txt"]


@pytest.mark.parametrize(
    "name", ["truncated", "wrong header", "zero frames", "8-bit", "empty file", "trailing garbage"]
)
def test_a_corrupt_entry_is_dropped_and_counted(tmp_path: Path, name: str) -> None:
    cache = AudioCache(tmp_path / "cache")
    cache.put(key(1), make_wav(tmp_path / "1.wav"))
    cache.put(key(2), make_wav(tmp_path / "2.wav"))
    entry = cache.path_of(key(1))
    entry.write_bytes(CORRUPTIONS[name](entry.read_bytes()))
    assert cache.get(key(1)) is None
    assert not entry.exists()
    assert cache.corrupt_dropped == 1
    assert cache.get(key(1)) is None  # now simply a miss
    assert cache.corrupt_dropped == 1
    assert cache.get(key(2)) is not None


def test_put_of_a_bad_render_raises_and_stores_nothing(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path / "cache")
    bad = tmp_path / "render.wav"
    bad.write_bytes(CORRUPTIONS["zero frames"](b""))
    with pytest.raises(CorruptAudio):
        cache.put(key(1), bad)
    with pytest.raises(CorruptAudio):
        cache.put(key(1), tmp_path / "never-rendered.wav")
    assert cache.get(key(1)) is None
    assert cache.size_bytes() == 0
    assert cache.corrupt_dropped == 0


def writes_are_refused(folder: Path) -> bool:
    probe = folder / "probe"
    try:
        probe.write_bytes(b"")
    except PermissionError:
        return True
    probe.unlink()
    return False


def test_an_unwritable_folder_raises_cache_unavailable(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if not writes_are_refused(folder):
            # Running as root: permissions do not stop writes. A folder under a regular file
            # cannot be created or written by anyone.
            blocker = tmp_path / "a-file"
            blocker.write_text("not a folder")
            folder = blocker / "cache"
        cache = AudioCache(folder)
        source = make_wav(tmp_path / "render.wav")
        with pytest.raises(CacheUnavailable) as raised:
            cache.put(key(1), source)
        assert "cannot be written" in str(raised.value)
        assert isinstance(raised.value, OSError)
        assert cache.get(key(1)) is None
        assert cache.size_bytes() == 0
    finally:
        (tmp_path / "cache").chmod(0o700)


def test_a_cache_folder_that_is_a_file_raises_cache_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("someone put a file here")
    cache = AudioCache(blocker)
    with pytest.raises(CacheUnavailable):
        cache.put(key(1), make_wav(tmp_path / "render.wav"))
    with pytest.raises(CacheUnavailable):
        cache.clear()
