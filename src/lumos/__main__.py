"""``python -m lumos`` runs the CLI."""

from lumos.cli import _entry

_entry()
