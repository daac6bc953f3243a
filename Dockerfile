# One image for every role (web, worker, scheduler); docker-compose.yml picks the command.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 FOLLOWUP_DATA_DIR=/data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY followup followup
COPY inbox_sync inbox_sync
COPY nlp nlp
COPY web web
RUN pip install --no-cache-dir . && useradd --system --home /data followup && mkdir -p /data && chown followup /data
USER followup
VOLUME /data
EXPOSE 8000
CMD ["followup", "serve", "--host", "0.0.0.0", "--port", "8000"]
