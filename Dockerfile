# lumos HTTP server, CPU only.
#   docker build -t lumos .
#   docker run --rm -p 8000:8000 lumos        -> http://localhost:8000/
# Limits are `lumos serve` options, e.g.:
#   docker run --rm -p 8000:8000 lumos lumos serve --host 0.0.0.0 --concurrency 2 --queue 4
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Run as an unprivileged user; uploads live in its private temp folder.
RUN useradd --create-home --uid 10001 lumos
WORKDIR /src

COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install ".[server]" && rm -rf /src

WORKDIR /home/lumos
USER lumos
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"

CMD ["lumos", "serve", "--host", "0.0.0.0"]
