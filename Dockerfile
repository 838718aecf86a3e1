# The bot image: one image, several roles (run, jobs, db upgrade) chosen by the command.
FROM python:3.12-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# DejaVu Sans draws the accents of a Spanish /progress chart (Pillow's built-in face has none).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY jobs ./jobs
COPY migrations ./migrations
COPY content ./content
RUN pip install . && useradd --system --uid 10001 --home /app recovery && mkdir -p /app/data \
    && chown recovery /app/data

USER recovery
# Postgres in production; the SQLite default would live in the container's /app/data.
ENV DATABASE_URL=sqlite:////app/data/recovery-bot.db
ENTRYPOINT ["recovery-bot"]
CMD ["run"]
