"""The application services the local stack runs: modules, ports, API docs."""

import dataclasses
import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass

HOST = "127.0.0.1"


@dataclass(frozen=True)
class ExtraPort:
    """A non-HTTP port; `env_var` tells the service which port number to use."""

    label: str
    env_var: str
    port: int


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str
    http_port: int | None = None
    docs_path: str | None = None
    extra_ports: tuple[ExtraPort, ...] = ()

    def addresses(self) -> list[str]:
        http = [f"http://{HOST}:{self.http_port}"] if self.http_port else []
        return http + [f"{extra.label}://{HOST}:{extra.port}" for extra in self.extra_ports]

    def docs_url(self) -> str | None:
        if self.http_port is None or self.docs_path is None:
            return None
        return f"http://{HOST}:{self.http_port}{self.docs_path}"

    def port_env(self) -> dict[str, str]:
        env = {extra.env_var: str(extra.port) for extra in self.extra_ports}
        if self.http_port is not None:
            env["HTTP_PORT"] = str(self.http_port)
        return env

    def ports(self) -> list[int]:
        return [p for p in (self.http_port, *(e.port for e in self.extra_ports)) if p is not None]


# Ports as in README.md; each service reads HTTP_PORT (and its extra ports' variables).
SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("portal", "services.portal", http_port=8001, docs_path="/docs"),
    ServiceSpec("desk", "services.desk", http_port=8002, docs_path="/docs"),
    ServiceSpec("web", "services.web", http_port=8003, docs_path="/docs"),
    ServiceSpec("open311", "services.open311", http_port=8004, docs_path="/docs"),
    ServiceSpec(
        "email_adapter",
        "services.email_adapter",
        http_port=8005,
        extra_ports=(ExtraPort("smtp", "SMTP_LISTEN_PORT", 2525),),
    ),
    ServiceSpec("routing", "services.routing", http_port=8010, docs_path="/docs"),
    ServiceSpec("tracking", "services.tracking", http_port=8020, docs_path="/docs"),
    ServiceSpec("notification", "services.notification", http_port=8030),
    ServiceSpec("site", "services.site", http_port=8070),
    ServiceSpec("console", "services.console", http_port=8080),
    ServiceSpec("documents", "services.documents", http_port=8050, docs_path="/docs"),
    ServiceSpec("payments", "services.payments", http_port=8060, docs_path="/docs"),
    ServiceSpec("appointments", "services.appointments", http_port=8040, docs_path="/docs"),
    ServiceSpec(
        "mailsink", "tools.mailsink", extra_ports=(ExtraPort("smtp", "SMTP_SINK_PORT", 1025),)
    ),
)


def shifted(specs: Sequence[ServiceSpec], offset: int) -> list[ServiceSpec]:
    """The same services with every port moved by `offset` (e.g. for end-to-end tests)."""
    return [
        dataclasses.replace(
            spec,
            http_port=spec.http_port + offset if spec.http_port is not None else None,
            extra_ports=tuple(
                dataclasses.replace(e, port=e.port + offset) for e in spec.extra_ports
            ),
        )
        for spec in specs
    ]


def missing_modules(specs: Sequence[ServiceSpec]) -> list[ServiceSpec]:
    """The services whose module does not exist (yet) in this checkout."""
    return [spec for spec in specs if importlib.util.find_spec(spec.module) is None]
