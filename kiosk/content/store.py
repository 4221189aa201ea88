"""Keeps the last good content: a failed reload never replaces what patients are reading.

The last good content is also copied to a snapshot folder, so a kiosk restarted after a bad edit
still starts with the content it last showed.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import tempfile
from pathlib import Path

from kiosk.content.loader import ContentLoad, language_folder, load_content
from kiosk.content.model import ContentSet
from kiosk.content.problems import Problem, display_path

log = logging.getLogger("kiosk.content")


def _file_stamps(folder: Path) -> dict[str, tuple[int, int]] | None:
    """Each file's size and modification time (a snapshot's copies keep both), or None when
    the folder cannot be read."""
    try:
        return {
            path.name: (stat.st_size, stat.st_mtime_ns)
            for path in folder.iterdir()
            if path.is_file() and not path.is_symlink() and (stat := path.stat())
        }
    except OSError:
        return None


class ContentStore:
    """Holds the current valid content set and the report of the most recent load."""

    def __init__(self, root: Path, language: str = "en", snapshot_dir: Path | None = None) -> None:
        self.root = root
        self.language = language
        self.snapshot_dir = snapshot_dir
        self.current: ContentSet | None = None
        self.last_load: ContentLoad | None = None
        self.from_snapshot = False

    def reload(self, today: dt.date | None = None) -> ContentLoad:
        """Load again; adopt the result only when it is valid. Returns the load's report."""
        try:
            load = load_content(self.root, self.language, today)
        except Exception as error:  # a checker bug must not take the kiosk's content away
            log.exception("the content check failed")
            load = self._failed_load(error)
        self.last_load = load
        if load.content is not None:
            self.current = load.content
            self.from_snapshot = False
            self._save_snapshot()
        elif self.current is None and self.snapshot_dir is not None and self.snapshot_dir.is_dir():
            snapshot = load_content(self.snapshot_dir, self.language, today)
            if snapshot.content is not None:
                log.warning(
                    "content has errors; starting with the last good copy from %s",
                    self.snapshot_dir,
                )
                self.current = snapshot.content
                self.from_snapshot = True
        return load

    def _failed_load(self, error: Exception) -> ContentLoad:
        folder = language_folder(self.root, self.language)
        problem = Problem(
            display_path(folder),
            0,
            "",
            f"the content could not be checked (a fault in the kiosk: {error!r}); "
            "the last good content stays; please report this",
        )
        return ContentLoad(self.language, folder, None, (), (problem,), ())

    def _save_snapshot(self) -> None:
        if self.snapshot_dir is None:
            return
        source = language_folder(self.root, self.language)
        target = self.snapshot_dir / self.language
        staging: Path | None = None
        try:
            stamps = _file_stamps(source)
            if stamps is not None and stamps == _file_stamps(target):
                return  # the snapshot is these very files already (the kiosk's usual start)
            target.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target.parent))
            for path in source.iterdir():
                if path.is_file() and not path.is_symlink():
                    shutil.copy2(path, staging / path.name)
            # The files may have been edited since they were loaded: keep only a copy that
            # itself loads, or a restart could start from a broken snapshot.
            if not load_content(staging, self.language).ok:
                log.info("content changed while it was saved; the snapshot is left as it was")
                shutil.rmtree(staging, ignore_errors=True)
                return
            old = target.with_name(f".old-{self.language}")
            if old.exists():
                shutil.rmtree(old)
            if target.exists():
                target.rename(old)
            staging.rename(target)
            if old.exists():
                shutil.rmtree(old)
        except OSError as error:
            log.warning("could not save the last good content to %s: %s", target, error)
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
