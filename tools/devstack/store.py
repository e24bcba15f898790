"""The development store: SecantusDB (MongoDB wire protocol over WiredTiger), run apart.

SecantusDB is GPL-2.0-only and Relais is AGPL, so it is only ever installed into its own
virtualenv under the cache and run as a separate process: no Relais module imports it.
"""

import fcntl
import os
import subprocess
from pathlib import Path

from tools.devstack.paths import (
    DEPLOY_DIR,
    DevstackError,
    cache_dir,
    log_dir,
    require_tool,
    run_dir,
    var_dir,
)
from tools.devstack.processes import ManagedProcess, wait_ready

SECANTUSDB_VERSION = "0.7.0b3"  # beta: pinned exactly, upgraded only with a full test run
HOST = "127.0.0.1"
PORT = 27017
DEFAULT_URI = f"mongodb://{HOST}:{PORT}/"
SERVER_FLAGS = ("--log-level", "WARNING")
# Without --sync-on-commit a SIGKILL of the server loses writes it had acknowledged (measured,
# see README); with it every commit fsyncs the journal, as MongoDB's default w:majority does.
DURABLE_FLAGS = ("--sync-on-commit",)
# An explicit (empty) config file: a secantusd.toml in ~/.secantus or /etc is never picked up.
CONFIG = DEPLOY_DIR / "secantusdb" / "secantusd.toml"
INSTALLED_STAMP = ".relais-installed"


def venv_dir() -> Path:
    return cache_dir() / f"secantusdb-{SECANTUSDB_VERSION}"


def server_binary() -> Path:
    """secantusd-py from the pinned package, installed once into its own virtualenv."""
    venv = venv_dir()
    binary = venv / "bin" / "secantusd-py"
    stamp = venv / INSTALLED_STAMP
    if binary.is_file() and stamp.is_file():
        return binary
    venv.parent.mkdir(parents=True, exist_ok=True)
    with venv.with_name(f"{venv.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two checkouts starting at once install it once
        if not stamp.is_file():
            _install(venv)
            stamp.write_text(f"secantusdb=={SECANTUSDB_VERSION}\n")
    return binary


def _install(venv: Path) -> None:
    python3 = require_tool("python3", "install Python 3.11+ (it runs SecantusDB)")
    _run([python3, "-m", "venv", str(venv)], what="creating SecantusDB's virtualenv")
    pip = str(venv / "bin" / "pip")
    _run(
        [
            pip,
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"secantusdb=={SECANTUSDB_VERSION}",
        ],
        what=f"installing secantusdb=={SECANTUSDB_VERSION} from PyPI",
    )


def data_dir() -> Path:
    return var_dir() / "secantusdb"


def store_process(
    *,
    storage: Path | None = None,
    name: str = "store",
    runtime_dir: Path | None = None,
) -> ManagedProcess:
    """The store's handle: the marker ties it to its storage directory (this checkout's)."""
    storage = storage or data_dir()
    return ManagedProcess(
        name,
        marker=f"--storage-path {storage}",
        run_dir=runtime_dir or run_dir(),
        log_dir=runtime_dir or log_dir(),
    )


def server_argv(binary: Path, *, port: int, storage: Path, durable: bool = True) -> list[str]:
    """The server's command line; `durable=False` only for a bulk load thrown away on failure."""
    return [
        str(binary),
        *("--config", str(CONFIG)),
        *("--host", HOST, "--port", str(port), "--storage-path", str(storage)),
        *SERVER_FLAGS,
        *(DURABLE_FLAGS if durable else ()),
    ]


def start_store(
    *,
    port: int = PORT,
    storage: Path | None = None,
    name: str = "store",
    runtime_dir: Path | None = None,
    durable: bool = True,
) -> ManagedProcess:
    """Install SecantusDB if needed, then start it on 127.0.0.1:`port` over `storage`.

    The defaults are the development store (var/secantusdb, pid file and log in var/); a test
    passes its own port, storage and runtime directory for a store of its own. `durable=False`
    drops the fsync of every commit: only for a bulk load, stopped cleanly (SIGTERM closes
    WiredTiger with a checkpoint) before the store is used.
    """
    binary = server_binary()
    storage = storage or data_dir()
    storage.mkdir(parents=True, exist_ok=True)
    process = store_process(storage=storage, name=name, runtime_dir=runtime_dir)
    # SECANTUS_* variables (e.g. its fast, non-durable test storage) never leak in.
    env = {key: value for key, value in os.environ.items() if not key.startswith("SECANTUS_")}
    process.start(server_argv(binary, port=port, storage=storage, durable=durable), env=env)
    return process


def uri_for(port: int) -> str:
    return f"mongodb://{HOST}:{port}/"


async def mongo_answers(uri: str) -> bool:
    """True if the server at `uri` answers a ping."""
    from pymongo import AsyncMongoClient  # imported here: `relais stack status` stays quick

    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        uri, serverSelectionTimeoutMS=500, connectTimeoutMS=500
    )
    try:
        await client.admin.command("ping")
        return True
    except Exception:
        return False
    finally:
        await client.close()


async def wait_for_mongo(
    uri: str, *, timeout_s: float = 30.0, process: ManagedProcess | None = None
) -> None:
    await wait_ready(
        lambda: mongo_answers(uri),
        what=f"MongoDB wire server at {uri}",
        timeout_s=timeout_s,
        process=process,
    )


def _run(argv: list[str], *, what: str) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        output = (result.stderr or result.stdout)[-3000:]
        raise DevstackError(f"{what} failed (exit {result.returncode}):\n{output}")
