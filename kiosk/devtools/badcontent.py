"""Malformed variants of the seed content: the fuzz tests and the soak benchmark damage a copy of
``content/`` with them and check that the checker reports the damage and the kiosk survives it.

Usage::

    from kiosk.devtools.badcontent import variants

    for variant in variants(seed=1):         # deterministic for a seed; over 300 variants
        shutil.copytree(CONTENT_DIR, root)   # a fresh, good copy (``root`` holds ``en/``)
        variant.apply(root)                  # damage it in place
        load = load_content(root)            # must report problems; never raise or hang
        ...                                  # put the good files back (see ``restore``)

``Variant.kind`` is one of :data:`KINDS`; ``Variant.target`` is the damaged path relative to the
content root (``en/pain.md``), and ``Variant.expect`` what the checker must say about it:

- ``Expect.LINE``: an error naming ``target`` with a line number (``file:line``); ``line``, when
  not None, is the exact line.
- ``Expect.FILE``: an error naming ``target``; its line may be 0 ("the whole file"), because the
  damage is to the file as a whole: empty, too big, a link out of the folder, a pipe, removed.
- ``Expect.WARNING``: the content is still valid (nothing patients see is wrong) and a warning
  names ``target``: a folder called ``notes.md`` is ignored, with a warning.

Kind ``removed_mid_load`` (``Variant.mid_load`` True) damages the folder *while the loader reads
it*: after the loader has listed the folder and while it reads the first topic file, a later file
is removed or replaced. Use ``with variant.during_next_load(root): load_content(root)`` (it hooks
the loader's ``read_text`` on the calling thread with ``sys.setprofile``; nothing is patched) and
the expectation is about that load. ``apply`` alone gives the same end state at once (still
invalid content, but then the errors are about the files that list the removed topic).

Some variants write outside the content root, next to it (``root.parent / "outside-…"``): links
that point out of the content folder need a real file there (no link points at a system file,
except ``/dev/zero`` and ``/dev/null``).

Put the good files back with :func:`restore`. A restore that writes good bytes through the damaged
paths is not enough: it would follow links out of the folder, block on a named pipe, fail on a
folder called ``site.yaml`` and on a removed ``en/``.
"""

from __future__ import annotations

import codecs
import enum
import os
import random
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from kiosk.paths import CONTENT_DIR

KINDS = (
    "truncated",
    "wrong_type",
    "binary",
    "huge",
    "long_line",
    "html",
    "yaml_alias",
    "symlink",
    "encoding",
    "empty",
    "removed",
    "removed_mid_load",
    "not_a_file",
)
"""Every kind of damage, in the order :func:`variants` makes them."""

SITE = "site.yaml"
HELP = "help.md"
"""The Help screen's text: its damage is only ever a warning (the kiosk shows a built-in text)."""
# Links point at files the variant makes next to the content root, never at the machine's own
# files: a careless restore that writes through the link must not damage the system.
_PASSWD = b"root:x:0:0:root:/root:/bin/bash\nkiosk:x:1000:1000::/home/kiosk:/bin/sh\n"


class Expect(enum.Enum):
    """What the checker must report about a variant's target (see the module docstring)."""

    LINE = "an error at file:line"
    FILE = "an error naming the file"
    WARNING = "still valid, with a warning naming the file"


Damage = Callable[[Path], None]


@dataclass(frozen=True)
class Variant:
    """One malformed variant: ``apply(root)`` damages a good copy of the content in place."""

    name: str
    kind: str
    target: str
    expect: Expect
    damage: Damage
    line: int | None = None
    mid_load: bool = False
    trigger: str | None = None  # mid_load: the file whose reading sets the damage off

    def apply(self, content_root: Path) -> None:
        """Damage ``content_root`` (a folder holding ``en/``) now."""
        self.damage(content_root)

    @contextmanager
    def during_next_load(self, content_root: Path) -> Iterator[None]:
        """Do the damage while the loader reads ``trigger`` in the next load on this thread.

        For variants without ``mid_load`` the damage is simply done first. Raises RuntimeError
        if the loader never read the trigger file (the race was not exercised)."""
        if not self.mid_load:
            self.apply(content_root)
            yield
            return
        from kiosk.content import loader

        assert self.trigger is not None
        trigger = os.path.abspath(content_root / self.trigger)
        code = loader.read_text.__code__
        fired: list[bool] = []
        previous = sys.getprofile()

        def hook(frame: FrameType, event: str, _arg: Any) -> None:
            if (
                event == "call"
                and frame.f_code is code
                and not fired
                and os.path.abspath(frame.f_locals["path"]) == trigger
            ):
                fired.append(True)
                self.apply(content_root)

        sys.setprofile(hook)
        try:
            yield
        finally:
            sys.setprofile(previous)
        if not fired:
            raise RuntimeError(f"{self.name}: the loader never read {self.trigger}")


def restore(content_root: Path, good_root: Path = CONTENT_DIR) -> None:
    """Put the good files back in ``content_root`` in place (the folder itself is kept when it
    exists, so a watch on it stays valid) and remove everything a variant added."""
    for good_folder in [good_root, *sorted(p for p in good_root.iterdir() if p.is_dir())]:
        relative = good_folder.relative_to(good_root)
        folder = content_root / relative
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            folder.unlink()
        folder.mkdir(parents=True, exist_ok=True)
        wanted = {p.name for p in good_folder.iterdir()}
        for path in folder.iterdir():
            if path.name not in wanted or not (good_folder / path.name).is_file():
                if path.is_dir() and not path.is_symlink():
                    if path.name not in wanted:
                        shutil.rmtree(path)
                else:
                    path.unlink()
        for good in good_folder.iterdir():
            if not good.is_file():
                continue
            path = folder / good.name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            elif path.is_symlink() or path.exists():
                same = not path.is_symlink() and path.is_file()
                if same and path.read_bytes() == good.read_bytes():
                    continue
                path.unlink()
            shutil.copyfile(good, path)
    for outside in content_root.parent.glob("outside-*"):
        if outside.is_dir() and not outside.is_symlink():
            shutil.rmtree(outside)
        else:
            outside.unlink()


# -- building blocks ----------------------------------------------------------------------------


def _write(target: str, data: bytes) -> Damage:
    def damage(root: Path) -> None:
        path = root / target
        if path.is_symlink() or path.is_file():
            path.unlink()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    return damage


def _symlink(target: str, points_to: Callable[[Path], str]) -> Damage:
    def damage(root: Path) -> None:
        path = root / target
        if path.is_symlink() or path.exists():
            path.unlink()
        os.symlink(points_to(root), path)

    return damage


def _outside_copy(name: str, data: bytes) -> Callable[[Path], str]:
    def make(root: Path) -> str:
        outside = root.parent / f"outside-{name}"
        outside.write_bytes(data)
        return str(outside)

    return make


def _inside(target: str) -> Callable[[Path], str]:
    return lambda root: str(root / target)


def _relative_outside(target: str) -> Callable[[Path], str]:
    def make(root: Path) -> str:
        (root.parent / "outside-hostname").write_text("kiosk-host\n")
        return "../" * len(Path(target).parts) + "outside-hostname"

    return make


def _remove(target: str) -> Damage:
    def damage(root: Path) -> None:
        path = root / target
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()

    return damage


def _fifo(target: str) -> Damage:
    def damage(root: Path) -> None:
        path = root / target
        if path.is_symlink() or path.exists():
            path.unlink()
        os.mkfifo(path)

    return damage


def _mkdir(target: str) -> Damage:
    def damage(root: Path) -> None:
        path = root / target
        if path.is_symlink() or path.is_file():
            path.unlink()
        path.mkdir()
        (path / "inside.txt").write_text("a folder, not a file\n")

    return damage


def _replace_atomically(target: str, data: bytes) -> Damage:
    def damage(root: Path) -> None:
        path = root / target
        new = path.with_name(f".{path.name}.new")
        new.write_bytes(data)
        os.replace(new, path)

    return damage


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


@dataclass
class _Seed:
    """One seed file as text and lines, with where its fields are."""

    target: str
    text: str

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    @property
    def is_site(self) -> bool:
        return self.target.endswith(SITE)

    def closing_line(self) -> int:
        """0-based index of a topic's closing ``---``."""
        return next(i for i, line in enumerate(self.lines) if i > 0 and line.rstrip() == "---")

    def key_index(self, key: str, indent: int = 0) -> int:
        """0-based index of the line ``<indent>key:``."""
        pattern = re.compile(rf"^ {{{indent}}}{re.escape(key)}:")
        return next(i for i, line in enumerate(self.lines) if pattern.match(line))

    def replace_field(self, key: str, value: str, indent: int = 0) -> tuple[str, int]:
        """The text with the field's value (and its indented block) replaced; the key's line."""
        lines = self.lines
        start = self.key_index(key, indent)
        end = start + 1
        while end < len(lines) and (
            lines[end].startswith(" " * (indent + 1)) or lines[end].startswith(" " * indent + "- ")
        ):
            end += 1
        new = [*lines[:start], f"{' ' * indent}{key}: {value}".rstrip(), *lines[end:]]
        # A block value (a list on the lines below) is reported at its first item.
        return "\n".join(new), start + (2 if value.startswith("\n") else 1)

    def insert_line(self, index: int, line: str) -> tuple[str, int]:
        """The text with ``line`` inserted before 0-based line ``index``; its 1-based line."""
        lines = self.lines
        return "\n".join([*lines[:index], line, *lines[index:]]), index + 1

    def body_paragraph_gap(self, rng: random.Random) -> int:
        """A 0-based index of a blank line in the body (a new paragraph fits after it)."""
        first = self.closing_line() + 1
        gaps = [i for i in range(first, len(self.lines)) if not self.lines[i].strip()]
        return rng.choice(gaps) + 1 if gaps else len(self.lines)


_TOPIC_WRONG: dict[str, tuple[str, ...]] = {
    "id": ("[pain, fracture]", "{name: pain}", "Bone Pain!", "''", "123-"),
    "title": ("[Bone, pain]", "{text: Bone pain}", "", "~"),
    "summary": ("[a, b]", "{a: b}", "null", "''"),
    "order": ("four", "1.5", "[1]", "-3", "0", "99999999999999999999", "true", "0x10"),
    "urgency": ("3", "[normal]", "high", "{level: urgent}", "''"),
    "phrases": ("tell me about it", "{a: b}", "\n  - 42\n  - 99", "[]"),
    "related": ("5", "{a: b}", "\n  - Not An Id", "[[pain]]"),
    "last_reviewed": ("yes", "[2015]", "2015-13", "tomorrow", "31 February 2015"),
    "next_review": ("{year: 2017}", "1066", "2015-04-31", "[]"),
    "source": ("a book", "[a, b]", "''", "42"),
}

_SITE_WRONG: tuple[tuple[str, int, str], ...] = (
    ("clinic_name", 0, "[Patient, information]"),
    ("clinic_name", 0, "{name: x}"),
    ("helpline", 0, "0808 800 6000"),
    ("helpline", 0, "[0808 800 6000]"),
    ("number", 2, "call us"),
    ("number", 2, "[0808]"),
    ("label", 2, "{a: b}"),
    ("emergency", 0, "call 999"),
    ("heading", 2, "[Emergency]"),
    ("symptoms", 2, "back pain"),
    ("symptoms", 2, "{pain: yes}"),
    ("symptoms", 2, "[]"),
    ("action", 2, "[ring, us]"),
    ("phone_numbers", 2, "0123 456 7890"),
    ("phone_numbers", 2, "[{label: Triage}]"),
    ("phone_numbers", 2, "[{label: Triage, number: ring us}]"),
)

_HTML = (
    "<script>alert('kiosk')</script>",
    "<b>bold</b> words",
    "<img src=x onerror=alert(1)>",
    "<iframe src=file:///etc/passwd></iframe>",
    "Fish &amp; chips",
    "<!-- a hidden comment -->",
    "</p><p style=color:red>injected",
    "<a href=javascript:alert(1)>click</a>",
    "&#60;script&#62;",
    "<style>body{display:none}</style>",
)

_HTML_BODY_ONLY = (
    "[Click here](javascript:alert(1))",
    "Visit https://example.invalid/phish for help",
    "![logo](file:///etc/passwd)",
)

_TOPIC_HTML_FIELDS = ("title", "summary")

_SITE_HTML_FIELDS: tuple[tuple[str, int], ...] = (
    ("clinic_name", 0),
    ("label", 2),
    ("heading", 2),
    ("action", 2),
)


def _yaml_single_quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _billion_laughs(levels: int = 9) -> list[str]:
    lines = ['lol0: &lol0 "lol"']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*lol{level - 1}"] * 10)
        lines.append(f"lol{level}: &lol{level} [{refs}]")
    return lines


class _Builder:
    def __init__(self, seeds: dict[str, _Seed], rng: random.Random) -> None:
        self.seeds = seeds
        self.rng = rng
        self.out: list[Variant] = []
        self.names: set[str] = set()
        self.topics = sorted(t for t in seeds if not t.endswith(SITE))
        self.site = next(t for t in seeds if t.endswith(SITE))
        self.help = str(Path(self.site).parent / HELP)

    def add(
        self,
        kind: str,
        label: str,
        target: str,
        expect: Expect,
        damage: Damage,
        line: int | None = None,
        mid_load: bool = False,
        trigger: str | None = None,
    ) -> None:
        name = f"{kind}/{target}/{label}"
        suffix = 2
        while name in self.names:
            name = f"{kind}/{target}/{label}#{suffix}"
            suffix += 1
        self.names.add(name)
        self.out.append(Variant(name, kind, target, expect, damage, line, mid_load, trigger))

    def text(self, target: str, text: str) -> Damage:
        return _write(target, text.encode("utf-8"))

    # -- kinds ----------------------------------------------------------------------------------
    def truncated(self) -> None:
        for target, seed in self.seeds.items():
            data = seed.text.encode("utf-8")
            if seed.is_site:
                low = len("\n".join(seed.lines[: seed.key_index("clinic_name") + 1]))
                high = len("\n".join(seed.lines[: seed.key_index("action", 2)]))
            else:
                low, high = 4, len("\n".join(seed.lines[: seed.closing_line()]))
            for cut in sorted(self.rng.sample(range(low, high), 3)):
                self.add(
                    "truncated", f"at-byte-{cut}", target, Expect.LINE, _write(target, data[:cut])
                )

    def wrong_type(self) -> None:
        for target in self.topics:
            seed = self.seeds[target]
            fields = self.rng.sample(sorted(_TOPIC_WRONG), 5)
            for key in fields:
                value = self.rng.choice(_TOPIC_WRONG[key])
                text, line = seed.replace_field(key, value)
                label = f"{key}={value.strip()[:20] or 'empty'}"
                self.add("wrong_type", label, target, Expect.LINE, self.text(target, text), line)
        seed = self.seeds[self.site]
        for key, indent, value in _SITE_WRONG:
            text, line = seed.replace_field(key, value, indent)
            label = f"{key}={value[:20]}"
            self.add("wrong_type", label, self.site, Expect.LINE, self.text(self.site, text), line)

    def binary(self) -> None:
        nul = b"## Using the screen\n\nTouch\x00 a topic.\n"
        self.add("binary", "help-nul", self.help, Expect.WARNING, _write(self.help, nul))
        blobs: tuple[tuple[str, Callable[[], bytes]], ...] = (
            ("nul", lambda: bytes(self.rng.randrange(256) for _ in range(16)) + b"\x00\xff"),
            ("ff", lambda: b"\xff\xfe" + bytes(self.rng.randrange(128) for _ in range(8))),
            ("ansi-escape", lambda: b"\x1b[31mred\x1b[0m"),
            ("bell", lambda: b"\x07\x08"),
            ("png", lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        )
        for index, (target, seed) in enumerate(self.seeds.items()):
            data = seed.text.encode("utf-8")
            for label, make in self.rng.sample(blobs, 2):
                at = self.rng.randrange(4, len(data))
                damaged = data[:at] + make() + data[at:]
                self.add("binary", f"{label}-at-{at}", target, Expect.LINE, _write(target, damaged))
            if index % 3 == 0:
                noise = bytes(self.rng.randrange(256) for _ in range(4096))
                self.add("binary", "all-random", target, Expect.LINE, _write(target, noise))

    def huge(self) -> None:
        for target in self.topics:
            seed = self.seeds[target]
            choices: list[tuple[str, Expect, str, int | None]] = []
            body = seed.text + "\n" + ("Some more words here. " * 14_000) + "\n"
            choices.append(("file-over-250KB", Expect.FILE, body, None))
            text, line = seed.replace_field("title", "Bone " * 20_000)
            choices.append(("title-100K", Expect.LINE, text, line))
            items = "".join(f"\n  - tell me about thing {n}" for n in range(600))
            items = items.translate(str.maketrans("0123456789", "abcdefghij"))
            text, line = seed.replace_field("phrases", items)
            choices.append(("600-phrases", Expect.LINE, text, line))
            text, line = seed.replace_field("order", "9" * 5000)
            choices.append(("order-5000-digits", Expect.LINE, text, line))
            text, line = seed.replace_field("related", "[" * 20_000 + "]" * 20_000)
            choices.append(("nested-20000-deep", Expect.LINE, text, line))
            unknown = "\n".join(f"extra_{n}: value" for n in range(5000))
            text, line = seed.insert_line(seed.closing_line(), unknown)
            choices.append(("5000-unknown-fields", Expect.LINE, text, line))
            for label, expect, text, at in self.rng.sample(choices, 3):
                self.add("huge", label, target, expect, self.text(target, text), at)
        site = self.seeds[self.site]
        padded = site.text + "#" + " padding" * 40_000 + "\n"
        self.add("huge", "file-over-250KB", self.site, Expect.FILE, self.text(self.site, padded))
        many = "".join(f"\n    - symptom {n}" for n in range(10_000))
        text, line = site.replace_field("symptoms", many, 2)
        self.add("huge", "10000-symptoms", self.site, Expect.LINE, self.text(self.site, text), line)
        text, line = site.replace_field("clinic_name", "Clinic " * 30_000)
        self.add("huge", "name-210K", self.site, Expect.LINE, self.text(self.site, text), line)

    def long_line(self) -> None:
        lines = (
            ("50K-words", "Words and more words. " * 2500),
            ("heading-spaces", "## Heading" + " " * 3000 + "end"),
            ("link-openers", "[a](" * 5000),
            ("html-opener-spaces", "<" + " " * 5000 + "x"),
            ("bold-toggles", "**a****a**" * 3000),
            ("dots", "word....x " * 3000),
            ("bullet", "- " + "item " * 5000),
            ("brackets", "[" * 30_000),
        )
        for target in self.topics:
            seed = self.seeds[target]
            for label, line_text in self.rng.sample(lines, 3):
                index = seed.body_paragraph_gap(self.rng)
                text, line = seed.insert_line(index, line_text + "\n")
                self.add("long_line", label, target, Expect.LINE, self.text(target, text), line)
        site = self.seeds[self.site]
        for key, indent in (("heading", 2), ("action", 2)):
            text, line = site.replace_field(key, "Call us now " * 4000, indent)
            self.add("long_line", key, self.site, Expect.LINE, self.text(self.site, text), line)

    def html(self) -> None:
        for target in self.topics:
            seed = self.seeds[target]
            for payload in self.rng.sample(_HTML, 2):
                key = self.rng.choice(_TOPIC_HTML_FIELDS)
                text, line = seed.replace_field(key, _yaml_single_quoted(f"Bone {payload}"))
                label = f"{key}:{payload[:16]}"
                self.add("html", label, target, Expect.LINE, self.text(target, text), line)
            phrase = self.rng.choice(_HTML)
            index = seed.key_index("phrases") + 1
            text, line = seed.insert_line(index, f"  - {_yaml_single_quoted(phrase)}")
            self.add(
                "html", f"phrase:{phrase[:16]}", target, Expect.LINE, self.text(target, text), line
            )
            for payload in self.rng.sample(_HTML + _HTML_BODY_ONLY, 2):
                index = seed.body_paragraph_gap(self.rng)
                text, line = seed.insert_line(index, payload + "\n")
                label = f"body:{payload[:16]}"
                self.add("html", label, target, Expect.LINE, self.text(target, text), line)
        site = self.seeds[self.site]
        for (key, indent), payload in zip(
            _SITE_HTML_FIELDS, self.rng.sample(_HTML, 4), strict=True
        ):
            text, line = site.replace_field(key, _yaml_single_quoted(payload), indent)
            label = f"{key}:{payload[:16]}"
            self.add("html", label, self.site, Expect.LINE, self.text(self.site, text), line)
        index = site.key_index("symptoms", 2) + 1
        payload = self.rng.choice(_HTML)
        text, line = site.insert_line(index, f"    - {_yaml_single_quoted(payload)}")
        self.add(
            "html",
            f"symptom:{payload[:16]}",
            self.site,
            Expect.LINE,
            self.text(self.site, text),
            line,
        )

    def yaml_alias(self) -> None:
        for target in self.topics:
            seed = self.seeds[target]
            close = seed.closing_line()
            options: list[tuple[str, list[str]]] = [
                ("billion-laughs", _billion_laughs()),
                ("merge-key", ["base: &base {title: x}", "<<: *base"]),
                ("undefined-alias", ["extra: *nothing"]),
                ("python-tag", ["extra: !!python/object/apply:os.system ['echo hi']"]),
                ("binary-tag", ["extra: !!binary aGVsbG8="]),
                ("include-tag", ["extra: !include /etc/passwd"]),
            ]
            for label, extra in self.rng.sample(options, 2):
                text, line = seed.insert_line(close, "\n".join(extra))
                self.add("yaml_alias", label, target, Expect.LINE, self.text(target, text), line)
            key = seed.key_index("title")
            lines = seed.lines
            lines[key] = lines[key].replace("title: ", "title: &t ")
            lines[key + 1] = "summary: *t"
            self.add(
                "yaml_alias",
                "anchor-title",
                target,
                Expect.LINE,
                self.text(target, "\n".join(lines)),
                key + 1,
            )
        site = self.seeds[self.site]
        text, line = site.insert_line(0, "\n".join(_billion_laughs()))
        self.add(
            "yaml_alias", "billion-laughs", self.site, Expect.LINE, self.text(self.site, text), line
        )
        laughs = "\n".join("  " + entry for entry in _billion_laughs())
        text, line = site.insert_line(site.key_index("heading", 2), laughs)
        self.add(
            "yaml_alias",
            "billion-laughs-nested",
            self.site,
            Expect.LINE,
            self.text(self.site, text),
            line,
        )
        text, line = site.replace_field("symptoms", "*lol9", 2)
        self.add(
            "yaml_alias",
            "undefined-alias",
            self.site,
            Expect.LINE,
            self.text(self.site, text),
            line,
        )

    def symlink(self) -> None:
        for target, seed in self.seeds.items():
            data = seed.text.encode("utf-8")
            name = Path(target).name
            options: list[tuple[str, Expect, Damage]] = [
                ("to-valid-copy-outside", Expect.FILE, _symlink(target, _outside_copy(name, data))),
                (
                    "to-passwd-like-outside",
                    Expect.FILE,
                    _symlink(target, _outside_copy("passwd", _PASSWD)),
                ),
                ("relative-escape", Expect.FILE, _symlink(target, _relative_outside(target))),
                ("to-dev-zero", Expect.FILE, _symlink(target, lambda _root: "/dev/zero")),
                ("dangling", Expect.FILE, _symlink(target, lambda _root: "missing-file.md")),
                ("loop", Expect.FILE, _symlink(target, _inside(target))),
            ]
            for label, expect, damage in self.rng.sample(options, 2):
                self.add("symlink", label, target, expect, damage)
        first, second = self.topics[0], self.topics[1]
        line = self.seeds[first].key_index("id") + 1
        inside = _symlink(second, _inside(first))
        self.add("symlink", f"inside-to-{Path(first).name}", second, Expect.LINE, inside, line)

    def encoding(self) -> None:
        for target, seed in self.seeds.items():
            lines = seed.lines
            index = self.rng.randrange(1, len(lines) - 1)
            accented = [*lines]
            accented[index] = accented[index] + " café’s"
            options: list[tuple[str, bytes, int | None]] = [
                ("utf-16-bom", codecs.BOM_UTF16_LE + seed.text.encode("utf-16-le"), 1),
                ("utf-16-be-no-bom", seed.text.encode("utf-16-be"), 1),
                ("utf-32", seed.text.encode("utf-32"), 1),
                ("cp1252-line", "\n".join(accented).encode("cp1252"), index + 1),
                (
                    "latin-1-line",
                    "\n".join(accented).replace("’", "'").encode("latin-1"),
                    index + 1,
                ),
            ]
            raw = seed.text.encode("utf-8")
            offset = len("\n".join(lines[:index])) + 1
            for label, bad in (
                ("overlong", b"\xc0\xaf"),
                ("surrogate", b"\xed\xa0\x80"),
                ("lone-continuation", b"\x80"),
                ("cut-multibyte", b"\xe2\x80"),
            ):
                options.append((label, raw[:offset] + bad + raw[offset:], index + 1))
            for label, data, line in self.rng.sample(options, 3):
                self.add("encoding", label, target, Expect.LINE, _write(target, data), line)

    def empty(self) -> None:
        for label, data in (("zero-bytes", b""), ("blank-lines", b"\n  \n\t\n")):
            self.add("empty", label, self.help, Expect.WARNING, _write(self.help, data))
        for target in self.rng.sample(self.topics, 4):
            for label, data in (("zero-bytes", b""), ("blank-lines", b"\n  \n\t\n")):
                self.add("empty", label, target, Expect.FILE, _write(target, data))
        target = self.topics[-1]
        for label, data in (
            ("bom-only", "\ufeff".encode()),
            ("dashes-only", b"---\n---\n"),
            ("open-dashes", b"---\n"),
        ):
            self.add("empty", label, target, Expect.FILE, _write(target, data))
        for label, data in (
            ("zero-bytes", b""),
            ("comments-only", b"# nothing here yet\n"),
            ("empty-map", b"{}\n"),
            ("empty-list", b"[]\n"),
        ):
            self.add("empty", label, self.site, Expect.FILE, _write(self.site, data))

    def _referrer(self, topic: str) -> tuple[str, int]:
        topic_id = Path(topic).stem
        for other in self.topics:
            seed = self.seeds[other]
            if other != topic and f"  - {topic_id}\n" in seed.text:
                return other, seed.key_index("related") + 1
        raise ValueError(f"no seed topic lists {topic_id} in related")

    def removed(self) -> None:
        self.add("removed", "site-file", self.site, Expect.FILE, _remove(self.site))
        self.add("removed", "help-file", self.help, Expect.WARNING, _remove(self.help))
        for topic in self.topics:
            referrer, line = self._referrer(topic)
            label = f"{Path(topic).name}-listed-here"
            self.add("removed", label, referrer, Expect.LINE, _remove(topic), line)
        folder = str(Path(self.site).parent)

        def all_topics(root: Path) -> None:
            for path in (root / folder).glob("*.md"):
                path.unlink()

        self.add("removed", "all-topics", folder, Expect.FILE, all_topics)
        self.add("removed", "language-folder", SITE, Expect.FILE, _remove(folder))

    def removed_mid_load(self) -> None:
        trigger = self.topics[0]
        folder = str(Path(self.site).parent)
        for victim in self.topics[1:]:
            seed = self.seeds[victim]
            self.add(
                "removed_mid_load",
                "vanishes",
                victim,
                Expect.FILE,
                _remove(victim),
                None,
                True,
                trigger,
            )
            broken, line = seed.replace_field("urgency", "high")
            self.add(
                "removed_mid_load",
                "replaced-by-bad-edit",
                victim,
                Expect.LINE,
                _replace_atomically(victim, broken.encode("utf-8")),
                line,
                True,
                trigger,
            )
        for victim in self.rng.sample(self.topics[1:], 3):
            # Listed as a file, a folder when its turn comes: it is skipped with a warning, so
            # the error is in the topic that lists it as related.
            referrer, line = self._referrer(victim)
            label = f"{Path(victim).name}-replaced-by-folder"
            damage = _mkdir(victim)
            self.add("removed_mid_load", label, referrer, Expect.LINE, damage, line, True, trigger)
        self.add(
            "removed_mid_load",
            "site-vanishes",
            self.site,
            Expect.FILE,
            _remove(self.site),
            None,
            True,
            trigger,
        )
        self.add(
            "removed_mid_load",
            "folder-vanishes",
            self.site,
            Expect.FILE,
            _remove(folder),
            None,
            True,
            trigger,
        )
        last = self.topics[-1]
        self.add(
            "removed_mid_load",
            "site-vanishes-late",
            self.site,
            Expect.FILE,
            _remove(self.site),
            None,
            True,
            last,
        )

    def not_a_file(self) -> None:
        folder = str(Path(self.site).parent)
        for victim in self.rng.sample(self.topics, 3):
            self.add("not_a_file", "fifo", victim, Expect.FILE, _fifo(victim))
        extra = f"{folder}/extra.md"
        self.add("not_a_file", "fifo-extra", extra, Expect.FILE, _fifo(extra))
        self.add("not_a_file", "fifo", self.site, Expect.FILE, _fifo(self.site))
        self.add("not_a_file", "folder", self.site, Expect.FILE, _mkdir(self.site))
        notes = f"{folder}/notes.md"
        self.add("not_a_file", "folder-named-md", notes, Expect.WARNING, _mkdir(notes))
        self.add(
            "not_a_file",
            "link-to-dev-null",
            extra,
            Expect.FILE,
            _symlink(extra, lambda _r: "/dev/null"),
        )


def _read_seeds(content_root: Path) -> dict[str, _Seed]:
    folder = content_root / "en"
    seeds = {
        f"en/{path.name}": _Seed(f"en/{path.name}", path.read_text(encoding="utf-8"))
        for path in sorted(folder.iterdir())
        if path.is_file() and (path.suffix == ".md" or path.name == SITE) and path.name != HELP
    }
    if f"en/{SITE}" not in seeds or len(seeds) < 3:
        raise ValueError(f"{content_root} does not look like the seed content (en/ with {SITE})")
    return seeds


def variants(seed: int = 0, content_root: Path = CONTENT_DIR) -> list[Variant]:
    """Every malformed variant of ``content_root`` (the repository's ``content/``), the same
    list for the same seed. Names are unique (``kind/target/what``)."""
    builder = _Builder(_read_seeds(content_root), random.Random(seed))
    for kind in KINDS:
        getattr(builder, kind)()
    return builder.out


def counts(found: list[Variant]) -> dict[str, int]:
    """How many variants of each kind."""
    return {kind: sum(1 for v in found if v.kind == kind) for kind in KINDS}
