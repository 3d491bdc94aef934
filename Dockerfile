# syntax=docker/dockerfile:1
# Build: docker build -t testigo .   Run: docker run -p 8000:8000 -v testigo:/data testigo
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN python -m venv /opt/venv
COPY pyproject.toml README.md ./
COPY app ./app
COPY matching ./matching
COPY ingest ./ingest
# Non-editable install of the code (its migrations are package data); demo data is copied below.
RUN /opt/venv/bin/pip install .

FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    TESTIGO_DATA_DIR=/data
RUN useradd --system --uid 10001 --home-dir /app testigo \
    && mkdir -p /data && chown testigo /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY alembic.ini ./
COPY data ./data
ENV TESTIGO_DEMO_DIR=/app/data
USER testigo
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
# Migrations first (idempotent), then serve; TESTIGO_DATABASE_URL selects PostgreSQL in production.
CMD ["sh", "-c", "testigo db upgrade && exec testigo serve --host 0.0.0.0 --port 8000 --workers ${WORKERS:-2}"]
