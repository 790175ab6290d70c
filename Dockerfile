# The child-report bot. Build: docker build -t child-report-bot .
# Run:   docker run -e BOT_TOKEN=... -v child-report-data:/data child-report-bot
# Or with compose.yaml: BOT_TOKEN=... docker compose up -d
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BOT_DATABASE=/data/bot.sqlite3 \
    BOT_HEALTH_PORT=8080

WORKDIR /app

# The same install step as scripts/setup: the pinned requirements.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
RUN python -c "from child_report_bot import i18n; i18n.compile_catalogs()" \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin bot \
    && mkdir -p /data \
    && chown bot /data

USER 10001
VOLUME ["/data"]
EXPOSE 8080
# /healthz answers 503 when the database takes no writes or the Bot API has been silent too long;
# urllib raises on any status but 2xx, so the exit status says healthy or not (no curl in slim).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['BOT_HEALTH_PORT'] + '/healthz', timeout=8)"]
CMD ["python", "-m", "child_report_bot"]
