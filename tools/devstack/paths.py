"""Where the development stack keeps its cache, data, pid files and logs."""

import hashlib
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY_DIR = REPO_ROOT / "deploy"


class DevstackError(RuntimeError):
    """A problem the developer can fix: a missing tool, a busy port, a failed start."""


def cache_dir() -> Path:
    """Downloads and builds shared by every checkout: $RELAIS_CACHE_DIR or ~/.cache/relais."""
    configured = os.environ.get("RELAIS_CACHE_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "relais"


def var_dir() -> Path:
    """Git-ignored data and runtime state of this checkout."""
    return REPO_ROOT / "var"


def run_dir() -> Path:
    return var_dir() / "run"


def log_dir() -> Path:
    return var_dir() / "log"


def venv_python() -> Path:
    return REPO_ROOT / ".venv" / "bin" / "python"


def require_tool(name: str, hint: str) -> str:
    """Absolute path of a command on PATH, or a DevstackError saying how to get it."""
    path = shutil.which(name)
    if path is None:
        raise DevstackError(f"{name} not found on PATH: {hint}")
    return path


def digest(files: Iterable[Path], length: int = 12) -> str:
    """Short sha256 of the files' contents, in order: a cache key for what they build."""
    sha = hashlib.sha256()
    for file in files:
        sha.update(file.read_bytes())
    return sha.hexdigest()[:length]
