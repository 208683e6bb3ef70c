# syncd's daemon: `docker build -t syncd . && docker run --env-file syncd.env -p 8765:8765 syncd`
# No secrets in the image: the Salesforce login, SYNCD_DATABASE_URL and SYNCD_HTTP_TOKEN come
# from the environment at run time (README: Configuration).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin syncd \
    && mkdir /data && chown syncd:syncd /data

WORKDIR /app
# The README's install, without the editable flag and the test extras.
COPY pyproject.toml README.md ./
COPY syncd ./syncd
# The project itself: its dependencies' versions are bounded in pyproject.toml.
# hadolint ignore=DL3013
RUN pip install ".[postgres]"
COPY mappings ./mappings

USER 10001
# Off loopback the status page and /metrics need SYNCD_HTTP_TOKEN: `syncd run` refuses to
# start without it. The SQLite default lives on the /data volume; use PostgreSQL in production.
ENV SYNCD_MAPPINGS_DIR=/app/mappings \
    SYNCD_DATABASE_URL=sqlite:////data/syncd.db \
    SYNCD_HTTP_HOST=0.0.0.0 \
    SYNCD_HTTP_PORT=8765
VOLUME ["/data"]
EXPOSE 8765
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8765/healthz', timeout=4).status != 200)"]
ENTRYPOINT ["syncd"]
CMD ["run"]
