# The child-report bot. Build: docker build -t child-report-bot .
# Run:   docker run -e BOT_TOKEN=... -v child-report-data:/data child-report-bot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BOT_DATABASE=/data/bot.sqlite3

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
CMD ["python", "-m", "child_report_bot"]
