# Documents: citizens' document space, virus-scanned uploads, sharing with requests
FROM python:3.11-slim
WORKDIR /app
# libmagic tells a file's type by its content; clamd runs in its own container (see compose).
RUN apt-get update && apt-get install -y --no-install-recommends libmagic1 \
    && rm -rf /var/lib/apt/lists/* && pip install --no-cache-dir uv==0.13.8
COPY pyproject.toml uv.lock README.md ./
COPY shared ./shared
COPY services ./services
RUN uv sync --frozen --no-dev
ENV PATH=/app/.venv/bin:$PATH HTTP_HOST=0.0.0.0 HTTP_PORT=8050
USER 65534
EXPOSE 8050
HEALTHCHECK CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8050/healthz')"]
CMD ["python", "-m", "services.documents"]
