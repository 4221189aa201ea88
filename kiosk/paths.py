"""Where the kiosk's files live: the repository's folders and the per-machine state folders."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "clinic-kiosk"
REPO_ROOT = Path(__file__).resolve().parent.parent
CONTENT_DIR = REPO_ROOT / "content"
VOICES_DIR = REPO_ROOT / "voices"
MODELS_DIR = VOICES_DIR / "models"


def state_dir() -> Path:
    """Logs and settings that belong to this machine (outside the repository)."""
    return Path(platformdirs.user_state_dir(APP_NAME))


def cache_dir() -> Path:
    """Rendered speech audio and other things that can be rebuilt."""
    return Path(platformdirs.user_cache_dir(APP_NAME))


def config_dir() -> Path:
    """Settings such as the staff PIN hash."""
    return Path(platformdirs.user_config_dir(APP_NAME))
