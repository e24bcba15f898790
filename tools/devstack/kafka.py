"""A single-node KRaft Kafka broker from Maven Central jars, cached and run in the background."""

import contextlib
import re
import shutil
import subprocess
from pathlib import Path
from string import Template

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
from tools.devstack.processes import ManagedProcess, port_open, wait_ready

DEFAULT_BOOTSTRAP = "127.0.0.1:9092"
KAFKA_DEPLOY = DEPLOY_DIR / "kafka"
POM = KAFKA_DEPLOY / "pom.xml"
JVM_OPTIONS = ("-Xms512m", "-Xmx512m", "-XX:+UseG1GC", "-Djava.awt.headless=true")


def kafka_version() -> str:
    match = re.search(r"<kafka.version>([^<]+)</kafka.version>", POM.read_text())
    if match is None:
        raise DevstackError(f"no <kafka.version> property in {POM}")
    return match.group(1)


def kafka_libs() -> Path:
    """The broker and tools jars, copied from Maven once per version of deploy/kafka/pom.xml."""
    home = cache_dir() / f"kafka-{kafka_version()}"
    libs, stamp = home / "libs", home / "pom.sha256"
    wanted = digest([POM])
    if libs.is_dir() and stamp.is_file() and stamp.read_text().strip() == wanted:
        return libs
    mvn = require_tool("mvn", "install Apache Maven 3.6+ (it fetches the Kafka jars)")
    staging = home / "libs.partial"
    for stale in (staging, libs):
        shutil.rmtree(stale, ignore_errors=True)
    _run(
        [
            mvn,
            "-B",
            "-q",
            "-f",
            str(POM),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={staging}",
        ],
        what="fetching Kafka jars with Maven",
    )
    staging.rename(libs)
    stamp.write_text(wanted + "\n")
    return libs


def java_command(libs: Path, main_class: str, *args: str) -> list[str]:
    """A JVM running `main_class` from the Kafka jars, logging as deploy/kafka/log4j2.yaml says."""
    java = require_tool("java", "install OpenJDK 17+ (Kafka 4 needs Java 17)")
    log4j = f"-Dlog4j2.configurationFile={KAFKA_DEPLOY / 'log4j2.yaml'}"
    return [java, *JVM_OPTIONS, log4j, "-cp", f"{libs}/*", main_class, *args]


def data_dir() -> Path:
    return var_dir() / "kafka"


def server_properties() -> Path:
    return data_dir() / "server.properties"


def write_server_properties() -> Path:
    """Render deploy/kafka/server.properties with this checkout's log directory."""
    template = Template((KAFKA_DEPLOY / "server.properties").read_text())
    props = server_properties()
    props.parent.mkdir(parents=True, exist_ok=True)
    props.write_text(template.substitute(LOG_DIR=data_dir() / "data"))
    return props


def format_storage(libs: Path, props: Path) -> None:
    """Format the KRaft log directory once (it then holds meta.properties)."""
    if (data_dir() / "data" / "meta.properties").is_file():
        return
    storage_tool = "kafka.tools.StorageTool"
    cluster_id = _run(java_command(libs, storage_tool, "random-uuid"), what="kafka random-uuid")
    _run(
        java_command(
            libs, storage_tool, "format", "-t", cluster_id.strip(), "-c", str(props), "--standalone"
        ),
        what="formatting Kafka storage",
    )


def kafka_process() -> ManagedProcess:
    """The broker's handle: the marker ties it to this checkout's server.properties."""
    return ManagedProcess(
        "kafka",
        marker=f"kafka.Kafka {server_properties()}",
        run_dir=run_dir(),
        log_dir=log_dir(),
        stop_timeout_s=30.0,
    )


def start_kafka() -> ManagedProcess:
    """Fetch jars, render the config, format storage as needed, then start the broker."""
    libs = kafka_libs()
    props = write_server_properties()
    format_storage(libs, props)
    process = kafka_process()
    process.start(java_command(libs, "kafka.Kafka", str(props)))
    return process


async def kafka_answers(bootstrap_servers: str) -> bool:
    """True if the broker answers a metadata request with at least one broker."""
    # Imported here, like the other clients, so that `relais stack status` starts quickly.
    from aiokafka.admin import AIOKafkaAdminClient

    host, _, port = bootstrap_servers.split(",")[0].rpartition(":")
    if not port_open(int(port), host):  # spares aiokafka's connection-refused log lines
        return False
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=2000)
    try:
        await admin.start()
        cluster = await admin.describe_cluster()
        return bool(cluster.get("brokers"))
    except Exception:
        return False
    finally:
        with contextlib.suppress(Exception):
            await admin.close()


async def wait_for_kafka(
    bootstrap_servers: str, *, timeout_s: float = 60.0, process: ManagedProcess | None = None
) -> None:
    await wait_ready(
        lambda: kafka_answers(bootstrap_servers),
        what=f"Kafka at {bootstrap_servers}",
        timeout_s=timeout_s,
        process=process,
    )


def _run(argv: list[str], *, what: str) -> str:
    result = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise DevstackError(f"{what} failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    return result.stdout
