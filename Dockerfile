# The bot as one image: `docker compose up` (compose.yml) runs two replicas of it on PostgreSQL behind nginx.
# Alone it serves Slack over HTTP on port 3000 with SQLite in /data (mount a volume there to keep it).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_URL=sqlite:////data/alliance.db

WORKDIR /app
# What the package needs to install, and nothing else (see .dockerignore): no tests, no virtualenv, no database.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
RUN pip install . \
    && useradd --uid 10001 --user-group --no-create-home --home-dir /app --shell /usr/sbin/nologin alliance \
    && mkdir /data && chown alliance:alliance /data

USER alliance
VOLUME ["/data"]
EXPOSE 3000
# 200 while the database answers (GET /healthz); the slim image has no curl, so Python asks.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=2).status != 200)"]
CMD ["alliance-bot", "serve", "--port", "3000"]
