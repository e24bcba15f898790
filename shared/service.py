"""Run a service's FastAPI app under uvicorn; SIGTERM triggers a graceful shutdown."""

import uvicorn
from fastapi import FastAPI

from shared.config import ServiceSettings
from shared.logging import configure_logging


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    configure_logging(service=settings.service_name, level=settings.log_level)
    config = uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
        lifespan="on",
    )
    uvicorn.Server(config).run()
