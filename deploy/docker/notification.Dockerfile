# Notification: tells citizens about progress (email, postal letters for the mail room)
FROM python:3.11-slim
WORKDIR /app
# DejaVu: the Unicode font embedded in postal letters (else latin-1 core fonts).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* && pip install --no-cache-dir uv==0.13.8
COPY pyproject.toml uv.lock README.md ./
COPY shared ./shared
COPY services ./services
RUN uv sync --frozen --no-dev
ENV PATH=/app/.venv/bin:$PATH HTTP_HOST=0.0.0.0 HTTP_PORT=8030
USER 65534
EXPOSE 8030
HEALTHCHECK CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8030/healthz')"]
CMD ["python", "-m", "services.notification"]
