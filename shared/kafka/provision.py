"""`python -m shared.kafka.provision`: create the Relais topics on KAFKA_BOOTSTRAP_SERVERS."""

import asyncio
import os

from shared.kafka.topics import provision_topics


def main() -> None:
    created = asyncio.run(
        provision_topics(
            bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
            prefix=os.environ.get("TOPIC_PREFIX", ""),
        )
    )
    print(f"created {len(created)} topic(s): {', '.join(created) or '-'}")


if __name__ == "__main__":
    main()
