"""Seed models: re-implementations that run checkpoints users already have.

* ``mirnet`` - MIRNet of ``dblasko/low-light-event-img-enhancer``
  (:class:`MIRNetEnhancer`, one ``.pth`` file);
* ``alen`` - ALEN of ``xingyumex/ALEN`` (:class:`ALENEnhancer`, a folder of
  four ``.pt`` files).

The code is ours, written from those projects' architectures so that their
published state dicts load with ``strict=True``; no weights ship with lumos.
Both need torch (the ``train`` extra); this package imports it only when an
enhancer is built, and reports a missing torch as
:class:`~lumos.errors.MissingExtraError`.
"""

from __future__ import annotations

from .alen import ALENEnhancer
from .mirnet import MIRNetEnhancer

__all__ = ["ALENEnhancer", "MIRNetEnhancer"]
