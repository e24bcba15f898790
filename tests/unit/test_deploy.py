"""deploy/: no Docker engine runs here, so check the compose file's structure instead."""

import importlib.util
import re
from pathlib import Path

import yaml

from tools.contracts import HTTP_SERVICES

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]


def test_every_http_service_is_deployed_from_its_own_dockerfile() -> None:
    for name in HTTP_SERVICES:
        service = SERVICES[name.replace("_", "-")]
        dockerfile = DEPLOY.parent / service["build"]["dockerfile"]
        assert dockerfile.exists(), dockerfile
        command = re.search(r'CMD \["python", "-m", "([\w.]+)"\]', dockerfile.read_text())
        assert command, f"{dockerfile} has no CMD"
        assert importlib.util.find_spec(command.group(1) + ".__main__"), command.group(1)


def test_dependencies_and_ports_are_consistent() -> None:
    published: list[str] = []
    for name, service in SERVICES.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in SERVICES, f"{name} depends on unknown {dependency}"
        published += [p.split(":")[0] for p in service.get("ports", [])]
    assert len(published) == len(set(published)), "two services publish the same host port"
    assert SERVICES["kafka"]["image"].startswith("apache/kafka:4.1")
    assert SERVICES["mongodb"]["image"].startswith("mongo:7")


def test_application_services_reach_kafka_and_mongodb_by_service_name() -> None:
    for name in HTTP_SERVICES:
        env = SERVICES[name.replace("_", "-")]["environment"]
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert env["MONGODB_URI"].startswith("mongodb://mongodb:")
