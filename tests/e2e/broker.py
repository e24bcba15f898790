"""A Kafka broker of the test's own, on free ports, that the test may stop and restart."""

from pathlib import Path
from string import Template

from tests.support import free_port
from tools.devstack.kafka import KAFKA_DEPLOY, java_command, kafka_answers, kafka_libs
from tools.devstack.processes import ManagedProcess, wait_ready


class DisposableBroker:
    def __init__(self, workdir: Path) -> None:
        self.port, self.controller_port = free_port(), free_port()
        self.workdir = workdir
        self.props = workdir / "server.properties"
        self.process = ManagedProcess(
            "kafka-e2e",
            marker=f"kafka.Kafka {self.props}",
            run_dir=workdir,
            log_dir=workdir,
            stop_timeout_s=30,
        )

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _configure(self) -> None:
        template = Template((KAFKA_DEPLOY / "server.properties").read_text())
        text = template.substitute(LOG_DIR=self.workdir / "data")
        text = text.replace("127.0.0.1:9092", self.bootstrap)
        text = text.replace("127.0.0.1:9093", f"127.0.0.1:{self.controller_port}")
        self.props.write_text(text)
        libs = kafka_libs()
        cluster_id = _output(java_command(libs, "kafka.tools.StorageTool", "random-uuid"))
        _output(
            java_command(
                libs,
                "kafka.tools.StorageTool",
                "format",
                "-t",
                cluster_id,
                "-c",
                str(self.props),
                "--standalone",
            )
        )

    async def start(self) -> None:
        if not self.props.exists():
            self._configure()
        self.process.start(java_command(kafka_libs(), "kafka.Kafka", str(self.props)))
        await wait_ready(
            lambda: kafka_answers(self.bootstrap),
            what="test broker",
            timeout_s=90,
            process=self.process,
        )

    def stop(self) -> None:
        self.process.stop()


def _output(argv: list[str]) -> str:
    import subprocess

    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout.strip()
