"""``lumos serve``: the HTTP API and web page (needs the ``server`` extra)."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import socket

from ..errors import MissingExtraError, OptionError
from . import _options

__all__ = ["add_parser", "run", "settings_from_args"]

_EPILOG = """\
examples:
  lumos serve                              http://127.0.0.1:8000 (page at /, API docs at /docs)
  lumos serve --concurrency 2 --queue 4    two enhancements at once, four waiting, then 503
  lumos serve --host 0.0.0.0 --port 8080   reachable from other machines (mind the firewall)
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="run the HTTP API and web page",
        description="Serve the lumos API (POST /v1/enhance, /v1/analyse, /v1/jobs) and a web "
        "page to upload a dark photo, compare before/after, tune and download.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default %(default)s)")
    p.add_argument(
        "--port", type=_options.int_range(1, 65535), default=8000, help="default %(default)s"
    )
    p.add_argument(
        "--max-upload-mb",
        type=_options.positive_float,
        default=50.0,
        metavar="MB",
        help="largest upload per file (default %(default)g)",
    )
    p.add_argument(
        "--max-megapixels",
        type=_options.positive_float,
        default=100.0,
        metavar="MP",
        help="largest image, judged from its header (default %(default)g)",
    )
    p.add_argument(
        "--concurrency",
        type=_options.int_range(1, 256),
        default=2,
        metavar="N",
        help="enhancements running at once (default %(default)s)",
    )
    p.add_argument(
        "--queue",
        type=_options.int_range(0, 10000),
        default=8,
        metavar="N",
        help="requests waiting for a worker before 503 (default %(default)s)",
    )
    p.add_argument(
        "--timeout",
        type=_options.positive_float,
        default=120.0,
        metavar="S",
        help="seconds per request, waiting included, before 504 (default %(default)g)",
    )
    p.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="allow browser calls from this origin (repeatable; default: CORS off)",
    )
    p.set_defaults(run=run)


def settings_from_args(args: argparse.Namespace):  # -> ServerSettings (lazy import)
    """:class:`lumos.server.ServerSettings` from the parsed options."""
    from ..server.settings import ServerSettings

    return ServerSettings(
        max_upload_mb=args.max_upload_mb,
        max_megapixels=args.max_megapixels,
        concurrency=args.concurrency,
        queue=args.queue,
        timeout_s=args.timeout,
        cors_origins=tuple(args.cors_origin),
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    """Build the app from the options and serve it until interrupted."""
    try:
        import fastapi  # noqa: F401
        import python_multipart  # noqa: F401  (form uploads)
        import uvicorn
    except ImportError:
        raise MissingExtraError("the web server", "server") from None
    from ..server import create_app

    settings = settings_from_args(args)
    app = create_app(settings)
    # Listen before saying so: a port in use is one line and exit 2, not "serving
    # on ..." followed by uvicorn's log of the failure and exit 3.
    sock = _listen(args.host, args.port)
    if not _is_loopback(args.host):
        logging.getLogger("lumos.server").warning(
            "listening on %s: anyone who can reach this address can use the server", args.host
        )
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"lumos: serving on http://{shown}:{args.port}/  (API docs at /docs; Ctrl+C stops)")
    config = uvicorn.Config(app, log_level="info", server_header=False)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``, or an :class:`OptionError` saying why not."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        return socket.create_server((host, port), family=family)
    except OSError as exc:
        # Python adds "(while attempting to bind on address (...))": the line says it already.
        reason = (exc.strerror or str(exc)).split(" (while attempting")[0]
        raise OptionError(f"--port {port}: cannot listen on {host}: {reason}") from None
