"""The ``lumos`` command line: one module per subcommand, composed here.

Exit codes: 0 all done; 1 some inputs failed (each named with its reason);
2 usage error (bad option value, unknown command). A user never sees a
traceback: expected errors print ``lumos: <reason>``; unexpected ones print one
line too, and the traceback only with ``LUMOS_DEBUG=1``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import traceback
import warnings
from collections.abc import Sequence

from .. import __version__
from ..errors import LumosError, OptionError
from . import audit as audit_cmd
from . import batch as batch_cmd
from . import enhance as enhance_cmd
from . import evaluate as eval_cmd
from . import explain as explain_cmd
from . import info as info_cmd
from . import serve as serve_cmd

__all__ = ["build_parser", "main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

_DESCRIPTION = """\
Turn dark, noisy photos into clean, bright, sharp ones.

examples:
  lumos enhance night.jpg                 writes night_lumos.jpg beside it
  lumos enhance photos/ -o out/ --jobs 2  a whole folder into out/
  lumos batch shoot/ -o out/ -r           thousands of photos on Dask, resumable
  lumos enhance a.heic --format jpg --denoise 0.8 --detail 0.3
  lumos info night.jpg                    brightness, noise, light, metadata
  lumos explain night.jpg                 HTML report: how it was enhanced, and why
  lumos eval --pairs low/ high/           PSNR, SSIM, NIQE, noise, speed
  lumos audit-pairs LOL/low LOL/high      check a paired dataset before trusting scores
  lumos serve                             web page + HTTP API at http://127.0.0.1:8000/
"""


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors print one line plus a hint, and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        dashed = _dashed_file()
        if dashed is not None:
            # argparse took the file for an option and said only that INPUT was missing.
            message = (
                f"{dashed} was read as an option; to name a file that starts with '-', "
                f"write ./{dashed} or put -- before it"
            )
        self.exit(
            EXIT_USAGE, enhance_cmd.one_line(f"lumos: {message}") + f"\nTry '{self.prog} --help'.\n"
        )


_argv: list[str] = []
"""The arguments being parsed, for :meth:`_Parser.error`."""


def _dashed_file() -> str | None:
    """The first argument that starts with '-' and names an existing file, if any."""
    for arg in _argv:
        if arg == "--":
            return None
        if arg.startswith("-") and arg not in ("-", "--") and os.path.isfile(arg):
            return arg
    return None


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used to render ``--help`` in the docs)."""
    parser = _Parser(
        prog="lumos",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"lumos {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    enhance_cmd.add_parser(sub)
    batch_cmd.add_parser(sub)
    info_cmd.add_parser(sub)
    explain_cmd.add_parser(sub)
    eval_cmd.add_parser(sub)
    audit_cmd.add_parser(sub)
    serve_cmd.add_parser(sub)
    return parser


class _WarningLine(logging.StreamHandler):  # type: ignore[type-arg]
    """Warnings of lumos (a multi-page TIFF, EXIF too large) as ``lumos: <message>`` lines.

    Writes to the current ``sys.stderr`` at each call, like logging's last resort.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("lumos: warning: %(message)s"))
        self.setLevel(logging.WARNING)

    @property  # type: ignore[override]
    def stream(self):  # type: ignore[no-untyped-def]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:  # type: ignore[no-untyped-def]
        pass


def _show_warnings() -> None:
    """Route the library's warnings to one clean stderr line each (not for ``serve``,
    whose logging is the server's own)."""
    logger = logging.getLogger("lumos")
    if not any(isinstance(h, _WarningLine) for h in logger.handlers):
        logger.addHandler(_WarningLine())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (the console script exits with it)."""
    parser = build_parser()
    _argv[:] = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if args.command != "serve":
        _show_warnings()
    # Pillow warns, through `warnings`, about EXIF it cannot parse ("Tag data larger
    # than file"): two lines of its source on stderr that name no file. lumos keeps
    # what it can read of the EXIF and drops the rest, so there is nothing to act on.
    warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")
    try:
        return int(args.run(args))
    except OptionError as exc:
        print(enhance_cmd.one_line(f"lumos: {exc.cli_message}"), file=sys.stderr)
        return EXIT_USAGE
    except LumosError as exc:
        print(enhance_cmd.one_line(f"lumos: {exc}"), file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("lumos: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of stdout went away (`lumos enhance photos/ | head`): stop quietly,
        # as a process killed by SIGPIPE would (128 + 13), not as an internal error, and
        # keep Python from failing again when it flushes stdout at exit.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as exc:  # the last line of defence: one line, not a traceback
        if os.environ.get("LUMOS_DEBUG"):
            traceback.print_exc()
        line = f"lumos: internal error: {type(exc).__name__}: {exc} (set LUMOS_DEBUG=1 for details)"
        print(enhance_cmd.one_line(line), file=sys.stderr)
        return EXIT_FAILED


def _entry() -> None:
    sys.exit(main())
