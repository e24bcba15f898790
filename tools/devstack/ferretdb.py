"""FerretDB (MongoDB wire protocol over SQLite), built once from deploy/ferretdb with Go."""

import os
import subprocess
from pathlib import Path

from tools.devstack.paths import (
    DEPLOY_DIR,
    DevstackError,
    cache_dir,
    digest,
    log_dir,
    require_tool,
    run_dir,
    var_dir,
)
from tools.devstack.processes import ManagedProcess, wait_ready

DEFAULT_URI = "mongodb://127.0.0.1:27017/"
LISTEN = "127.0.0.1:27017"
FERRETDB_DEPLOY = DEPLOY_DIR / "ferretdb"
SOURCES = ("main.go", "go.mod", "go.sum")


def ferretdb_binary() -> Path:
    """The relais-ferretdb binary, built with `go build` once per version of its sources."""
    key = digest(FERRETDB_DEPLOY / name for name in SOURCES)
    binary = cache_dir() / f"ferretdb-{key}" / "relais-ferretdb"
    if binary.is_file():
        return binary
    go = require_tool("go", "install Go 1.24+ (it builds FerretDB from deploy/ferretdb)")
    binary.parent.mkdir(parents=True, exist_ok=True)
    partial = binary.with_name(f"relais-ferretdb.partial-{os.getpid()}")
    env = {**os.environ, "GOFLAGS": "-mod=mod -buildvcs=false"}
    result = subprocess.run(
        [go, "build", "-o", str(partial), "."],
        cwd=FERRETDB_DEPLOY,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise DevstackError(
            f"building FerretDB failed (exit {result.returncode}):\n{result.stderr[-3000:]}"
        )
    partial.replace(binary)
    return binary


def data_dir() -> Path:
    return var_dir() / "ferretdb"


def ferretdb_process() -> ManagedProcess:
    """FerretDB's handle: the marker ties it to this checkout's data directory."""
    return ManagedProcess(
        "ferretdb", marker=f"-data {data_dir()}", run_dir=run_dir(), log_dir=log_dir()
    )


def start_ferretdb() -> ManagedProcess:
    """Build the binary if needed, then start it on 127.0.0.1:27017."""
    binary = ferretdb_binary()
    data_dir().mkdir(parents=True, exist_ok=True)
    process = ferretdb_process()
    process.start([str(binary), "-listen", LISTEN, "-data", str(data_dir()), "-log-level", "error"])
    return process


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
