"""Enhancers by name.

The registry is one literal dict: a name maps to a factory. Learned models join
it with their ONNX weights shipped inside the package (nothing is downloaded).
"""

from __future__ import annotations

from collections.abc import Callable

from ..enhancer import Enhancer
from ..errors import OptionError

__all__ = ["available_models", "get_enhancer"]


def _classical() -> Enhancer:
    from ..stages.classical import ClassicalEnhancer

    return ClassicalEnhancer()


_REGISTRY: dict[str, Callable[[], Enhancer]] = {
    "classical": _classical,
}


def available_models() -> tuple[str, ...]:
    """Names accepted by ``--model``."""
    return tuple(_REGISTRY)


def get_enhancer(name: str) -> Enhancer:
    """Build the enhancer called ``name``.

    Raises
    ------
    OptionError
        If no enhancer has that name.
    """
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise OptionError(
            f"unknown model {name!r}; choose one of: {', '.join(_REGISTRY)}"
        ) from None
    return factory()
