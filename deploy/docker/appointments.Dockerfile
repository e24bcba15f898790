# Appointments (agendas, free slots, bookings)
FROM python:3.11-slim
WORKDIR /app
RUN pip install --no-cache-dir uv==0.13.8
COPY pyproject.toml uv.lock README.md ./
COPY shared ./shared
COPY services ./services
RUN uv sync --frozen --no-dev
ENV PATH=/app/.venv/bin:$PATH HTTP_HOST=0.0.0.0 HTTP_PORT=8040
USER 65534
EXPOSE 8040
HEALTHCHECK CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8040/healthz')"]
CMD ["python", "-m", "services.appointments"]
