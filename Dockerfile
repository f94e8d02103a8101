# syntax=docker/dockerfile:1
# kpr-bot: docker build -t kpr-bot . ; see README, "Deployment".
ARG PYTHON_VERSION=3.11

# --- build: a virtual environment with kpr-bot and its dependencies ---------------------------
FROM python:${PYTHON_VERSION}-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/kpr-bot
WORKDIR /src
# Dependencies first, so a change to the code alone does not download them again.
COPY pyproject.toml README.md ./
RUN mkdir -p bot handlers storage locales content \
    && touch bot/__init__.py handlers/__init__.py storage/__init__.py locales/__init__.py content/__init__.py \
    && /opt/kpr-bot/bin/pip install --no-cache-dir . \
    && /opt/kpr-bot/bin/pip uninstall --yes kpr-bot \
    && rm -rf build *.egg-info
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY locales ./locales
COPY content ./content
# Not editable: the image carries the package with its locales, content file and migrations.
# Then a smoke test on this base image: the CLI starts, the shipped content file is valid, and
# the default settings hold (BOT_TIMEZONE needs time zone data; the token is a dummy).
RUN /opt/kpr-bot/bin/pip install --no-cache-dir --no-deps . \
    && /opt/kpr-bot/bin/kpr-bot content check \
    && BOT_TOKEN=1:build-check /opt/kpr-bot/bin/kpr-bot check-config >/dev/null

# --- runtime --------------------------------------------------------------------------------------
FROM python:${PYTHON_VERSION}-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/kpr-bot/bin:$PATH
# An unprivileged user owns only the data folder; the code stays read-only to it.
RUN groupadd --system --gid 10001 kpr-bot \
    && useradd --system --uid 10001 --gid kpr-bot --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin kpr-bot \
    && mkdir -p /app/data \
    && chown kpr-bot:kpr-bot /app/data \
    && chmod 0700 /app/data
COPY --from=build /opt/kpr-bot /opt/kpr-bot
# The default DATABASE_URL, sqlite+aiosqlite:///data/kpr-bot.db, is relative to the working
# directory: the SQLite database and its lock file live in the volume. With PostgreSQL
# (compose.yaml) the volume stays empty.
WORKDIR /app
VOLUME ["/app/data"]
USER kpr-bot:kpr-bot
# Exposed only for webhook mode (kpr-bot run --webhook, WEBHOOK_LISTEN=0.0.0.0).
EXPOSE 8443
# Healthy: the database answers and its migrations are current. The start period covers the
# migrations that `run` applies first.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["kpr-bot", "health"]
# The bot stops within 10 s of SIGTERM; give `docker stop` a little more (-t 15, or
# stop_grace_period in compose.yaml).
STOPSIGNAL SIGTERM
CMD ["kpr-bot", "run"]
