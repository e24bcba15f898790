"""Generate contracts/ from the code: JSON Schemas, the AsyncAPI 3 document, OpenAPI documents.

`relais contracts write` regenerates the files; tests fail when the files drift from the code.
"""

import importlib
import json
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from shared.events import EVENT_MODELS
from shared.kafka.topics import REQUESTS, topic_specs

ROOT = Path(__file__).resolve().parents[1] / "contracts"
HTTP_SERVICES: dict[str, str] = {
    "portal": "services.portal.app",
    "desk": "services.desk.app",
    "web": "services.web.app",
    "open311": "services.open311.app",
    "email_adapter": "services.email_adapter.app",
    "routing": "services.routing.app",
    "tracking": "services.tracking.app",
    "notification": "services.notification.app",
    "site": "services.site.app",
    "console": "services.console.app",
}
PRODUCERS: dict[str, list[str]] = {
    "channel adapters": ["RequestSubmitted", "CitizenMessageReceived"],
    "routing": ["RequestRouted"],
    "tracking": ["RequestStatusChanged"],
    "notification": ["NotificationSent", "NotificationFailed"],
    "email adapter (bounces)": ["NotificationFailed"],
}
CE_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "CloudEvents 1.0 binary mode: attributes as Kafka headers.",
    "required": ["ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time", "ce_subject"],
    "properties": {
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_id": {"type": "string", "description": "Event id; consumers de-duplicate on it."},
        "ce_type": {"type": "string"},
        "ce_source": {"type": "string", "examples": ["/relais/portal"]},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_subject": {"type": "string", "description": "The request id (also the record key)."},
        "ce_correlationid": {"type": "string"},
        "ce_causationid": {"type": "string"},
        "content-type": {"type": "string", "const": "application/json"},
    },
}


def event_schemas() -> dict[str, dict[str, Any]]:
    """One standalone JSON Schema per event type, named after its CloudEvents type."""
    schemas = {}
    for event_type, model in EVENT_MODELS.items():
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://relais.example/contracts/events/{event_type}.schema.json"
        schemas[f"events/{event_type}.schema.json"] = schema
    return schemas


def asyncapi() -> dict[str, Any]:
    names = {model.__name__: (etype, model) for etype, model in EVENT_MODELS.items()}
    _, defs = models_json_schema(
        [(m, "validation") for _, m in names.values()], ref_template="#/components/schemas/{model}"
    )
    messages = {
        name: {
            "name": etype,
            "title": name,
            "summary": (model.__doc__ or "").strip(),
            "contentType": "application/json",
            "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
            "payload": {"$ref": f"#/components/schemas/{name}"},
            "bindings": {"kafka": {"key": {"type": "string", "description": "request id"}}},
        }
        for name, (etype, model) in names.items()
    }
    channels: dict[str, Any] = {}
    for spec in topic_specs():
        channel_id = "requests" if spec.name == REQUESTS else spec.name.rsplit(".", 1)[-1] + "DLQ"
        channels[channel_id] = {
            "address": spec.name,
            "description": spec.description,
            "messages": {n: {"$ref": f"#/components/messages/{n}"} for n in names}
            if spec.name == REQUESTS
            else {"DeadLetter": {"$ref": "#/components/messages/DeadLetter"}},
            "bindings": {
                "kafka": {
                    "partitions": spec.partitions,
                    "replicas": 1,
                    "topicConfiguration": {
                        k.replace(".", "_"): v for k, v in sorted(spec.config.items())
                    },
                }
            },
        }
    messages["DeadLetter"] = {
        "name": "dead-letter",
        "title": "DeadLetter",
        "summary": "The original record (key, value, headers) plus dlq_* headers: dlq_error, "
        "dlq_error_type, dlq_original_topic, dlq_original_partition, "
        "dlq_original_offset, dlq_group, dlq_attempts, dlq_failed_at.",
        "payload": {"description": "The original record's value, unchanged."},
    }
    operations = {
        f"{producer.split()[0]}Sends{name}": {
            "action": "send",
            "summary": f"Published by {producer}.",
            "channel": {"$ref": "#/channels/requests"},
            "messages": [{"$ref": f"#/channels/requests/messages/{name}"}],
        }
        for producer, produced in PRODUCERS.items()
        for name in produced
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Relais events",
            "version": "1.0.0",
            "description": "Every citizen request event, keyed and partitioned by request "
            "id. Topic names may carry a deployment prefix (TOPIC_PREFIX).",
        },
        "defaultContentType": "application/json",
        "servers": {"local": {"host": "127.0.0.1:9092", "protocol": "kafka"}},
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": {"CloudEventHeaders": CE_HEADERS, **defs["$defs"]},
        },
    }


def openapi_documents() -> dict[str, dict[str, Any]]:
    docs = {}
    for name, module in HTTP_SERVICES.items():
        app = importlib.import_module(module).build_app()
        docs[f"openapi/{name}.json"] = app.openapi()
    return docs


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def expected_files() -> dict[str, str]:
    files = {path: render(doc) for path, doc in event_schemas().items()}
    files["asyncapi.json"] = render(asyncapi())
    files.update({path: render(doc) for path, doc in openapi_documents().items()})
    return files


def write_all(root: Path = ROOT) -> list[str]:
    written = []
    for relative, text in expected_files().items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(relative)
    return written
