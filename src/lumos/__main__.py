"""``python -m lumos`` runs the CLI."""

from lumos.cli import _entry

if __name__ == "__main__":  # not again in a `--jobs` worker started by spawn
    _entry()
