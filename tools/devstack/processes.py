"""Background processes started detached, tracked by pid file, stopped only if they are ours."""

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tools.devstack.paths import REPO_ROOT, DevstackError

POLL_INTERVAL_S = 0.1


def command_line(pid: int) -> str | None:
    """The process's arguments joined by spaces; None if it is gone (or a zombie)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return raw.rstrip(b"\0").replace(b"\0", b" ").decode(errors="replace") or None


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """True if something accepts TCP connections on host:port."""
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


@dataclass
class ManagedProcess:
    """A background process known by its pid file; `marker`, a part of its command line,
    proves that the pid still belongs to it (pids get reused)."""

    name: str
    marker: str
    run_dir: Path
    log_dir: Path
    stop_timeout_s: float = 10.0
    _child: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def pid_file(self) -> Path:
        return self.run_dir / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.log_dir / f"{self.name}.log"

    def pid(self) -> int | None:
        """The pid from the pid file if that process is alive and is ours, else None."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        if self._child is not None and self._child.pid == pid:
            # Our own child: waitpid knows best (its cmdline is briefly empty during exec).
            return pid if self._child.poll() is None else None
        cmdline = command_line(pid)
        return pid if cmdline is not None and self.marker in cmdline else None

    def is_running(self) -> bool:
        return self.pid() is not None

    def start(
        self, argv: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path = REPO_ROOT
    ) -> int:
        """Spawn `argv` in a new session, output to the log file; returns the pid.

        `argv` must contain the marker. A process that is already running is left alone.
        """
        if self.marker not in " ".join(argv):
            raise ValueError(f"marker {self.marker!r} is not in the command line of {self.name}")
        if (pid := self.pid()) is not None:
            return pid
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("wb") as log:
            self._child = subprocess.Popen(
                list(argv),
                cwd=cwd,
                env=dict(env) if env is not None else None,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        tmp = self.pid_file.with_suffix(".pid.tmp")
        tmp.write_text(f"{self._child.pid}\n")
        tmp.replace(self.pid_file)
        return self._child.pid

    def stop(self, timeout_s: float | None = None) -> bool:
        """SIGTERM its process group, SIGKILL after the timeout; True if something was stopped."""
        pid = self.pid()
        if pid is not None:
            self._signal(pid, signal.SIGTERM)
            if not self._wait_exit(timeout_s if timeout_s is not None else self.stop_timeout_s):
                self._signal(pid, signal.SIGKILL)
                self._wait_exit(5.0)
        self.pid_file.unlink(missing_ok=True)
        return pid is not None

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_file.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def _signal(self, pid: int, sig: signal.Signals) -> None:
        # Started with start_new_session, so it leads its own group: reach its children too.
        with contextlib.suppress(ProcessLookupError):
            if os.getpgid(pid) == pid:
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)

    def _wait_exit(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while self.is_running():
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_INTERVAL_S)
        return True


async def wait_ready(
    check: Callable[[], Awaitable[bool]],
    *,
    what: str,
    timeout_s: float,
    process: ManagedProcess | None = None,
) -> None:
    """Poll `check` until it returns True; fail early if `process` dies, or at the deadline."""
    deadline = time.monotonic() + timeout_s
    while not await check():
        if process is not None and not process.is_running():
            raise DevstackError(
                f"{process.name} exited during start-up; last lines of {process.log_file}:\n"
                f"{process.log_tail()}"
            )
        if time.monotonic() >= deadline:
            hint = f"; see {process.log_file}" if process is not None else ""
            raise DevstackError(f"{what} not ready after {timeout_s:.0f} s{hint}")
        await asyncio.sleep(POLL_INTERVAL_S * 2)
