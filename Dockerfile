# KIK-Bot: multi-stage build, slim base, non-root user, knowledge and compiled catalogs baked in.
FROM python:3.11-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir "Babel>=2.17,<3"
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir --prefix=/install .
COPY locales ./locales
RUN pybabel compile -d locales -D bot --statistics

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 kik && mkdir /data && chown kik /data
WORKDIR /app
COPY --from=build /install /usr/local
COPY --from=build /src/locales ./locales
COPY --chown=kik:kik knowledge ./knowledge
ENV KIK_KNOWLEDGE_DIR=/app/knowledge \
    KIK_LOCALES_DIR=/app/locales \
    KIK_DATA_DIR=/data \
    PYTHONUNBUFFERED=1
VOLUME /data
USER kik
# Polling has no port to probe: the bot touches a heartbeat file in KIK_DATA_DIR.
HEALTHCHECK --interval=60s --timeout=10s --start-period=30s --retries=3 CMD ["kik-bot", "health"]
ENTRYPOINT ["kik-bot"]
CMD ["run"]
