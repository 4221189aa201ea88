"""Installing and listing Vosk models (``python run_kiosk.py voices install|list``).

A Vosk model is a folder under ``voices/models/`` (``kiosk.paths.MODELS_DIR``, git-ignored). The
kiosk needs a small "lookahead" model: only those honour runtime grammars (``graph/HCLr.fst`` and
``graph/Gr.fst``); a big model with ``graph/HCLG.fst`` silently ignores them (shared/VOICE.md).

Installing never leaves a half-installed model behind:

1. everything happens in a temporary folder ``voices/models/.installing-<random>`` (same file
   system, so the final rename is atomic);
2. a downloaded or given zip is checked (size and SHA-256 for the default model's zip; no absolute
   or ``..`` members; at most 2 GB unpacked) and unpacked there; a given folder is copied there;
3. the model root (the folder holding ``am/`` or ``graph/``) is found and its structure checked;
4. the model is loaded by Vosk **in a child process** (``sys.executable -c ...``, with a timeout):
   a damaged model can abort the process that loads it, and it must not be the caller;
5. a stamp (``.kiosk-verified.json``: the size and modification time of every file and the vosk
   version) is written, so :class:`kiosk.listen.engines.vosk.VoskRecogniser` can skip the child
   process check next time; then the folder is renamed to ``voices/models/<name>``. An older
   model of that name is first renamed to ``.old-<name>-<random>``, and deleted only once the new
   one is in place.

On any failure the temporary folder is removed. If the machine loses power mid-install, the next
install tidies up: leftover ``.installing-*`` folders are deleted and a model stranded as
``.old-<name>-*`` is put back. One install at a time.

This module does not import vosk: only the child process does.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final

DEFAULT_MODEL: Final = "vosk-model-small-en-us-0.15"
DEFAULT_URL: Final = "https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip"
DEFAULT_SIZE: Final = 41205931
DEFAULT_SHA256: Final = "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498"

MAX_UNPACKED_BYTES: Final = 2 * 1024**3
"""A zip that unpacks to more than this is refused (small Vosk models are 40-300 MB)."""
DOWNLOAD_TIMEOUT: Final = 30.0
"""Seconds without an answer from the server before a download gives up."""
LOAD_TIMEOUT: Final = 180.0
"""Seconds the child process may take to load a model (the Korean test model takes ≈3 s)."""

STAMP_NAME: Final = ".kiosk-verified.json"
INSTALLING_PREFIX: Final = ".installing-"
OLD_PREFIX: Final = ".old-"

REQUIRED_FILES: Final = ("am/final.mdl", "graph/HCLr.fst", "graph/Gr.fst")
REQUIRED_DIRS: Final = ("conf",)
GRAMMARS_IGNORED: Final = (
    "this model ignores grammars (it has graph/HCLG.fst, not graph/HCLr.fst); "
    "use a small lookahead model such as " + DEFAULT_MODEL
)


class ModelInstallError(RuntimeError):
    """Installing a model failed; the message is written for staff."""


@dataclass(frozen=True)
class ModelStatus:
    """One folder under ``voices/models/``, for ``voices list``."""

    name: str
    path: Path
    ok: bool
    problem: str
    """Empty when ``ok``; else what is wrong, in plain words."""


# --- checks shared with the recogniser -----------------------------------------------------------


def structure_problems(root: Path) -> list[str]:
    """What keeps ``root`` from being a runtime-grammar Vosk model (empty list: none)."""
    if not root.is_dir():
        return [f"{root} is not a folder"]
    graph = root / "graph"
    if (graph / "HCLG.fst").is_file() and not (graph / "HCLr.fst").is_file():
        return [GRAMMARS_IGNORED]
    problems = [f"{name} is missing" for name in REQUIRED_FILES if not (root / name).is_file()]
    problems += [f"{name}/ is missing" for name in REQUIRED_DIRS if not (root / name).is_dir()]
    return problems


def _vosk_version() -> str:
    # The model-installing modules (hashlib with OpenSSL's libcrypto, zipfile, urllib,
    # importlib.metadata with email) are imported where they are used: the voice process reads
    # this module only to watch the model folder, and they were 115 ms and several MB of it.
    from importlib import metadata

    try:
        return metadata.version("vosk")
    except metadata.PackageNotFoundError:
        return "not installed"


def _fingerprint(root: Path) -> dict[str, list[int]]:
    files: dict[str, list[int]] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name != STAMP_NAME:
            info = path.stat()
            files[path.relative_to(root).as_posix()] = [info.st_size, info.st_mtime_ns]
    return files


def model_state(root: Path) -> dict[str, list[int]] | str | None:
    """What the model folder ``root`` holds now, to notice it changing: the size and time of
    each file, None when there is no folder, "unreadable" when it cannot be read."""
    if not root.is_dir():
        return None
    try:
        return _fingerprint(root)
    except OSError:
        return "unreadable"


def write_stamp(root: Path) -> None:
    """Record that the model in ``root`` loaded, as it is now, with the installed vosk."""
    stamp = {"vosk": _vosk_version(), "files": _fingerprint(root)}
    (root / STAMP_NAME).write_text(json.dumps(stamp, indent=1, sort_keys=True), encoding="utf-8")


def stamp_is_valid(root: Path) -> bool:
    """Whether ``root`` has loaded before, unchanged since, with this vosk version."""
    try:
        stamp = json.loads((root / STAMP_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(stamp, dict)
        and stamp.get("vosk") == _vosk_version()
        and stamp.get("files") == _fingerprint(root)
    )


# The child process: load the model and decode 0.2 s of silence with the model's own grammar
# (a recogniser without a grammar composes HCLr.fst with Gr.fst, so both are really read).
_LOAD_CHECK = """\
import json, sys
import vosk
vosk.SetLogLevel(-1)
model = vosk.Model(sys.argv[1])
recogniser = vosk.KaldiRecognizer(model, 16000)
recogniser.AcceptWaveform(bytes(6400))
json.loads(recogniser.FinalResult())
print("MODEL-LOADS")
"""


def load_problem(root: Path, timeout: float = LOAD_TIMEOUT) -> str | None:
    """Why Vosk cannot load the model in ``root`` (None: it loads), checked in a child process.

    A crash (Kaldi aborts on some damaged files), a Python exception and a hang are all reported,
    never suffered by the caller.
    """
    try:
        result = subprocess.run(
            [sys.executable, "-c", _LOAD_CHECK, str(root)],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"loading it took more than {timeout:g} seconds"
    except OSError as error:
        return f"the model check could not be started ({error})"
    if result.returncode == 0 and "MODEL-LOADS" in result.stdout:
        return None
    if result.returncode < 0:
        try:
            name = signal.Signals(-result.returncode).name
        except ValueError:
            name = f"signal {-result.returncode}"
        detail = _last_error(result.stderr)
        return f"Vosk crashed while loading it ({name})" + (f": {detail}" if detail else "")
    return _last_error(result.stderr) or f"the model check failed (exit code {result.returncode})"


def _last_error(stderr: str) -> str:
    """The most telling line of the child's error output."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR")]
    if errors:
        return errors[0]
    if lines and "vosk" in lines[-1] and "ModuleNotFoundError" in lines[-1]:
        return "the vosk package is not installed"
    return lines[-1] if lines else ""


# --- listing -----------------------------------------------------------------------------------


def list_models(models_dir: Path) -> list[ModelStatus]:
    """Every model folder in ``models_dir`` (not the hidden work folders), by name.

    ``ok`` means the structure is right; a model that has not been load-checked since it was
    installed or changed says so in ``problem`` (it still counts as ok: the recogniser checks it).
    """
    if not models_dir.is_dir():
        return []
    statuses: list[ModelStatus] = []
    for path in sorted(models_dir.iterdir()):
        if not path.is_dir() or path.name.startswith("."):
            continue
        problems = structure_problems(path)
        if problems:
            statuses.append(ModelStatus(path.name, path, False, "; ".join(problems)))
        elif stamp_is_valid(path):
            statuses.append(ModelStatus(path.name, path, True, ""))
        else:
            statuses.append(
                ModelStatus(
                    path.name, path, True, "not load-checked yet (it is checked when first used)"
                )
            )
    return statuses


# --- installing --------------------------------------------------------------------------------


def install_model(
    models_dir: Path,
    source: Path | None = None,
    download: Callable[[str, Path], None] | None = None,
    *,
    name: str | None = None,
    load_timeout: float = LOAD_TIMEOUT,
) -> Path:
    """Install a Vosk model into ``models_dir`` and return its folder.

    Without ``source`` the default model is downloaded from ``DEFAULT_URL`` (with ``download``,
    or urllib when it is None) and its size and SHA-256 are verified. With ``source`` (a zip or a
    folder, e.g. on a USB stick) that is installed; a zip named like the default model's zip is
    verified like a download. The folder is named ``name``, else after the model's top folder
    (for a zip whose members have none, after the zip).

    Raises ModelInstallError, with a message for staff, and leaves nothing behind.
    """
    models_dir.mkdir(parents=True, exist_ok=True)
    tidy_leftovers(models_dir)
    work = Path(tempfile.mkdtemp(prefix=INSTALLING_PREFIX, dir=models_dir))
    try:
        if source is None:
            archive = work / f"{DEFAULT_MODEL}.zip"
            _download(DEFAULT_URL, archive, download or _urllib_download)
            _verify_default_zip(archive, f"the download from {DEFAULT_URL}")
            root = _unpack(archive, work / "unpacked", DEFAULT_MODEL)
        elif source.is_dir():
            found = _find_root(source)
            if found is None:
                raise ModelInstallError(
                    f"{source} contains no Vosk model (no folder with am/ or graph/ inside)"
                )
            root = work / "unpacked" / (found.name or "model")
            try:
                shutil.copytree(found, root, symlinks=False)
            except (OSError, shutil.Error) as error:
                raise ModelInstallError(f"could not copy the model from {found}: {error}") from None
        elif source.is_file():
            if source.name == f"{DEFAULT_MODEL}.zip":
                _verify_default_zip(source, str(source))
            root = _unpack(source, work / "unpacked", source.name.removesuffix(".zip"))
        else:
            raise ModelInstallError(f"{source} does not exist")

        target_name = name or root.name
        if not target_name or target_name.startswith(".") or "/" in target_name:
            raise ModelInstallError(f'"{target_name}" cannot be a model folder name')
        problems = structure_problems(root)
        if problems:
            raise ModelInstallError(
                f"{_described(source)} is not a usable Vosk model: {'; '.join(problems)}"
            )
        problem = load_problem(root, load_timeout)
        if problem is not None:
            raise ModelInstallError(f"{_described(source)} does not load: {problem}")
        write_stamp(root)
        return _put_in_place(root, models_dir / target_name)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def tidy_leftovers(models_dir: Path) -> None:
    """Remove what an interrupted install left (see the module docstring)."""
    for path in models_dir.iterdir():
        if path.name.startswith(INSTALLING_PREFIX):
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(OLD_PREFIX) and path.is_dir():
            original = models_dir / path.name.removeprefix(OLD_PREFIX).rsplit("-", 1)[0]
            if original.exists():
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    path.rename(original)


def _described(source: Path | None) -> str:
    return f"the download from {DEFAULT_URL}" if source is None else str(source)


def _urllib_download(url: str, dest: Path) -> None:
    # Imported here: urllib.request (with ssl and http) is 9 MB of the voice process, which
    # reads this module only to watch the model folder.
    import urllib.request

    with (
        urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response,
        dest.open("wb") as out,
    ):
        written = 0
        while chunk := response.read(1024 * 1024):
            written += len(chunk)
            if written > DEFAULT_SIZE:
                break  # not the file we expect; the size check says so
            out.write(chunk)


def _download(url: str, dest: Path, download: Callable[[str, Path], None]) -> None:
    import urllib.error

    try:
        download(url, dest)
    except (OSError, urllib.error.URLError, ValueError) as error:
        reason = getattr(error, "reason", None) or getattr(error, "strerror", None) or error
        raise ModelInstallError(
            f"could not download {url} ({reason}); this computer may have no internet "
            "connection: copy the zip from a USB stick and use --from"
        ) from None
    if not dest.is_file():
        raise ModelInstallError(
            f"could not download {url} (nothing was saved); copy the zip from a USB stick and "
            "use --from"
        )


def _verify_default_zip(archive: Path, described: str) -> None:
    size = archive.stat().st_size
    if size != DEFAULT_SIZE:
        raise ModelInstallError(
            f"{described} is {size:,} bytes; the official {DEFAULT_MODEL}.zip is "
            f"{DEFAULT_SIZE:,} bytes: the file is incomplete or a different file"
        )
    import hashlib

    digest = hashlib.sha256()
    with archive.open("rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    if digest.hexdigest() != DEFAULT_SHA256:
        raise ModelInstallError(
            f"{described} has SHA-256 {digest.hexdigest()}; the official {DEFAULT_MODEL}.zip has "
            f"{DEFAULT_SHA256}: the file is damaged or a different file"
        )


def _unpack(archive: Path, into: Path, fallback_name: str) -> Path:
    """Unpack ``archive`` safely into ``into``; return the model root inside it."""
    import zipfile

    try:
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
            total = 0
            for member in members:
                name = member.filename.replace("\\", "/")
                parts = PurePosixPath(name).parts
                if name.startswith("/") or (len(name) > 1 and name[1] == ":") or ".." in parts:
                    raise ModelInstallError(
                        f'{archive} contains the unsafe path "{member.filename}" (it would be '
                        "written outside the model folder); refusing to install it"
                    )
                total += member.file_size
            if total > MAX_UNPACKED_BYTES:
                raise ModelInstallError(
                    f"{archive} would unpack to {total / 1024**3:.1f} GB; a Vosk model for the "
                    "kiosk is far smaller (more than 2 GB is refused)"
                )
            into.mkdir(parents=True)
            zf.extractall(into)
    except zipfile.BadZipFile as error:
        raise ModelInstallError(f"{archive} is not a readable zip file ({error})") from None
    except OSError as error:
        raise ModelInstallError(f"could not unpack {archive}: {error}") from None
    root = _find_root(into)
    if root is None:
        raise ModelInstallError(f"{archive} contains no Vosk model (no am/ or graph/ folder)")
    if root == into:  # members without a top folder: name the model after the zip
        named = into / fallback_name
        inner = list(into.iterdir())
        named.mkdir()
        for path in inner:
            path.rename(named / path.name)
        root = named
    return root


def _find_root(folder: Path, depth: int = 3) -> Path | None:
    """The shallowest folder in ``folder`` (itself included) that holds ``am/`` or ``graph/``."""
    level = [folder]
    for _ in range(depth + 1):
        for candidate in level:
            if (candidate / "am").is_dir() or (candidate / "graph").is_dir():
                return candidate
        level = sorted(
            child
            for parent in level
            for child in parent.iterdir()
            if child.is_dir() and not child.is_symlink() and not child.name.startswith("__")
        )
        if not level:
            return None
    return None


def _put_in_place(root: Path, target: Path) -> Path:
    """Rename ``root`` to ``target``, replacing an older model only once the new one is in."""
    old: Path | None = None
    try:
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f"{OLD_PREFIX}{target.name}-", dir=target.parent))
            os.rmdir(old)
            target.rename(old)
        root.rename(target)
    except OSError as error:
        if old is not None and not target.exists():
            with contextlib.suppress(OSError):
                old.rename(target)
        raise ModelInstallError(f"could not move the model into {target}: {error}") from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return target
