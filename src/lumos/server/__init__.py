"""lumos over HTTP: a JSON/multipart API and a web page (needs the ``server`` extra).

::

    from lumos.server import ServerSettings, create_app
    app = create_app(ServerSettings(concurrency=2, max_upload_mb=20))

Routes: ``POST /v1/enhance``, ``POST /v1/analyse``, ``POST /v1/jobs``,
``GET /v1/jobs/{id}`` (+ ``/files/{i}``, ``/zip``), ``DELETE /v1/jobs/{id}``,
``GET /healthz``, the page at ``/`` and offline API docs at ``/docs``. Run it with
``lumos serve``.
"""

from __future__ import annotations

from .app import create_app
from .settings import ServerSettings

__all__ = ["ServerSettings", "create_app"]
