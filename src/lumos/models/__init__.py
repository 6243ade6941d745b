"""Enhancers by name.

The registry is one literal dict: a name maps to a factory. Learned models join
it with their ONNX weights shipped inside the package (nothing is downloaded).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..enhancer import Enhancer
from ..errors import OptionError

__all__ = ["available_models", "get_enhancer"]


def _classical() -> Enhancer:
    from ..stages.classical import ClassicalEnhancer

    return ClassicalEnhancer()


def _lumosnet() -> Enhancer:
    from .lumosnet import LumosNetEnhancer

    return LumosNetEnhancer()


def _lumosnet_installed() -> bool:
    return (Path(__file__).parent / "weights" / "lumosnet" / "global.onnx").is_file()


_REGISTRY: dict[str, Callable[[], Enhancer]] = {
    "classical": _classical,
    "lumosnet": _lumosnet,
}
_INSTALLED: dict[str, Callable[[], bool]] = {"lumosnet": _lumosnet_installed}


def available_models() -> tuple[str, ...]:
    """Names accepted by ``--model``: the registry's entries whose weights are installed."""
    return tuple(name for name in _REGISTRY if _INSTALLED.get(name, lambda: True)())


def get_enhancer(name: str) -> Enhancer:
    """Build the enhancer called ``name``.

    Raises
    ------
    OptionError
        If no enhancer has that name.
    """
    if name not in available_models():
        raise OptionError(f"unknown model {name!r}; choose one of: {', '.join(available_models())}")
    return _REGISTRY[name]()
