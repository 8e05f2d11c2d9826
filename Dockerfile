# KIK-Bot image: multi-stage, slim, non-root. Layers go from rarely to often changed, so a code
# change rebuilds only the small last layers: dependencies (from pyproject.toml alone), then the
# compiled catalogs and knowledge, then the bot's code.
FROM python:3.11-slim AS deps
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
COPY pyproject.toml ./
# The dependencies listed in pyproject.toml, into a virtual environment (no pip inside it).
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
 && python -m venv --without-pip /opt/kik \
 && pip --python /opt/kik/bin/python install -r requirements.txt \
 && echo /opt/kik-app/lib/python3.11/site-packages > /opt/kik/lib/python3.11/site-packages/kik-app.pth

FROM deps AS build
RUN pip install "setuptools>=69" wheel
COPY locales ./locales
RUN /opt/kik/bin/pybabel --quiet compile -d locales -D bot
COPY README.md ./
COPY bot ./bot
RUN pip wheel --no-deps --no-build-isolation -w /wheels . \
 && pip --python /opt/kik/bin/python install --no-deps --prefix=/opt/kik-app /wheels/*.whl

FROM python:3.11-slim
RUN groupadd --system --gid 10001 kik \
 && useradd --system --uid 10001 --gid kik --home-dir /data --shell /usr/sbin/nologin kik \
 && mkdir /data && chown kik:kik /data
COPY --from=deps /opt/kik /opt/kik
COPY --from=build /src/locales /app/locales
COPY knowledge /app/knowledge
COPY --from=build /opt/kik-app /opt/kik-app
# Staff edit the knowledge in the volume (seeded from /app/knowledge on first start; an upgrade
# is reported by `kik-bot knowledge`, never copied over staff edits).
ENV PATH=/opt/kik-app/bin:/opt/kik/bin:$PATH \
    KIK_DATA_DIR=/data \
    KIK_KNOWLEDGE_DIR=/data/knowledge \
    KIK_SHIPPED_KNOWLEDGE_DIR=/app/knowledge \
    KIK_LOCALES_DIR=/app/locales \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
VOLUME /data
WORKDIR /data
USER kik
EXPOSE 8080
# The bot touches $KIK_DATA_DIR/heartbeat every 30 s (polling and webhook alike); older than
# 120 s is unhealthy. Checked by the shell, not by starting Python (`kik-bot health` does the
# same at ~20x the cost; see README, Container).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["/bin/sh", "-c", "test $(( $(date +%s) - $(stat -c %Y \"$KIK_DATA_DIR/heartbeat\") )) -lt 120"]
ENTRYPOINT ["kik-bot"]
CMD ["run"]
