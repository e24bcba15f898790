"""Generate contracts/ from the code: JSON Schemas, the AsyncAPI 3 document, OpenAPI documents.

`relais contracts write` regenerates the files; tests fail when the files drift from the code.
"""

import importlib
import json
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from shared.events import APPOINTMENT_EVENT_MODELS, EVENT_MODELS
from shared.events.billing import BILLING_EVENTS
from shared.events.documents import DOCUMENT_EVENTS
from shared.events.payments import PAYMENT_EVENTS
from shared.kafka.topics import (
    APPOINTMENTS,
    BILLING,
    DOCUMENTS,
    PAYMENTS,
    REQUESTS,
    topic_specs,
)

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
    "documents": "services.documents.app",
    "payments": "services.payments.app",
    "appointments": "services.appointments.app",
}
# The domain topics: their events, and what their record key is.
STREAMS: dict[str, tuple[str, str, list[type[Any]]]] = {
    DOCUMENTS: ("documents", "document id", list(DOCUMENT_EVENTS)),
    PAYMENTS: ("payments", "invoice id", list(PAYMENT_EVENTS)),
    APPOINTMENTS: ("appointments", "agenda id", list(APPOINTMENT_EVENT_MODELS.values())),
    BILLING: ("billing", "billing invoice reference", list(BILLING_EVENTS)),
}
PRODUCERS: dict[str, list[str]] = {
    "channel adapters": ["RequestSubmitted", "CitizenMessageReceived"],
    "routing": ["RequestRouted"],
    "tracking": ["RequestStatusChanged"],
    "notification": ["NotificationSent", "NotificationFailed"],
    "email adapter (bounces)": ["NotificationFailed"],
    "documents": ["RequestDocumentShared", "RequestDocumentWithdrawn"],
    "payments": ["RequestInvoiceIssued", "RequestInvoicePaid"],
    "appointments": ["RequestAppointmentChanged"],
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
        "ce_subject": {
            "type": "string",
            "description": "The record key: request id, document id or invoice id.",
        },
        "ce_correlationid": {"type": "string"},
        "ce_causationid": {"type": "string"},
        "content-type": {"type": "string", "const": "application/json"},
    },
}


def all_models() -> dict[str, type[Any]]:
    """Every event type: the request topic's and the domain topics'."""
    streams = {m.event_type: m for _, _, models in STREAMS.values() for m in models}
    return {**EVENT_MODELS, **streams}


def event_schemas() -> dict[str, dict[str, Any]]:
    """One standalone JSON Schema per event type, named after its CloudEvents type."""
    schemas = {}
    for event_type, model in all_models().items():
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://relais.example/contracts/events/{event_type}.schema.json"
        schemas[f"events/{event_type}.schema.json"] = schema
    return schemas


def asyncapi() -> dict[str, Any]:
    names = {model.__name__: (etype, model) for etype, model in all_models().items()}
    keys = {m.__name__: "request id" for m in EVENT_MODELS.values()}
    for _, key, models in STREAMS.values():
        keys |= {m.__name__: key for m in models}
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
            "bindings": {"kafka": {"key": {"type": "string", "description": keys[name]}}},
        }
        for name, (etype, model) in names.items()
    }
    channels: dict[str, Any] = {}
    for spec in topic_specs():
        if spec.name == REQUESTS:
            channel_id, carried = "requests", [m.__name__ for m in EVENT_MODELS.values()]
        elif spec.name in STREAMS:
            channel_id, _, models = STREAMS[spec.name]
            carried = [m.__name__ for m in models]
        else:
            channel_id, carried = spec.name.rsplit(".", 1)[-1] + "DLQ", ["DeadLetter"]
        channels[channel_id] = {
            "address": spec.name,
            "description": spec.description,
            "messages": {n: {"$ref": f"#/components/messages/{n}"} for n in carried},
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
    for channel_id, _, models in STREAMS.values():
        for model in models:
            operations[f"{channel_id}Sends{model.__name__}"] = {
                "action": "send",
                "summary": f"Published by {channel_id}.",
                "channel": {"$ref": f"#/channels/{channel_id}"},
                "messages": [{"$ref": f"#/channels/{channel_id}/messages/{model.__name__}"}],
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Relais events",
            "version": "1.0.0",
            "description": "Every citizen request event, keyed and partitioned by request "
            "id; citizens' documents keyed by document id; invoices and payments keyed by "
            "invoice id; invoices from the town's billing software keyed by its reference. "
            "Topic names may carry a deployment prefix (TOPIC_PREFIX).",
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
