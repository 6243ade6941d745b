"""Shared type aliases.

lumos has one internal image type: an RGB ``float32`` array of shape ``(H, W, 3)``
with values in ``[0, 1]``. Conversion to and from files, PIL images and other
dtypes happens only at the edges (:mod:`lumos.io`, :mod:`lumos.api`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Union

import numpy as np
import numpy.typing as npt

FloatImage = npt.NDArray[np.float32]
"""RGB float32 image, shape (H, W, 3), values in [0, 1]."""

FloatMap = npt.NDArray[np.float32]
"""Single-channel float32 map, shape (H, W)."""

PathLike = Union[str, "os.PathLike[str]"]

ProgressFn = Callable[[int, int], None]
"""Called as ``progress(done, total)``; ``total`` never changes within one run."""

Region = tuple[int, int, int, int]
"""``(y0, y1, x0, x1)`` in full-image pixel coordinates, end-exclusive."""
