"""Enhancers by name.

The registry is one literal dict: a name maps to a factory. Learned models join
it with their ONNX weights shipped inside the package (nothing is downloaded).
The *seed* models (``mirnet``, ``alen``; :mod:`lumos.models.seeds`) are
re-implementations that run checkpoints the user already has: they are always
listed and need ``weights`` (``--weights``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..enhancer import Enhancer
from ..errors import OptionError

__all__ = ["available_models", "default_model", "get_enhancer", "needs_weights"]


def _classical() -> Enhancer:
    from ..stages.classical import ClassicalEnhancer

    return ClassicalEnhancer()


def _lumosnet() -> Enhancer:
    from .lumosnet import LumosNetEnhancer

    return LumosNetEnhancer()


def _mirnet(weights: str) -> Enhancer:
    from .seeds import MIRNetEnhancer

    return MIRNetEnhancer(weights)


def _alen(weights: str) -> Enhancer:
    from .seeds import ALENEnhancer

    return ALENEnhancer(weights)


_SEEDS: dict[str, Callable[[str], Enhancer]] = {"mirnet": _mirnet, "alen": _alen}


def needs_weights(name: str) -> bool:
    """Whether ``--model name`` runs from a user-supplied ``--weights`` file or folder."""
    return name in _SEEDS


def _lumosnet_installed() -> bool:
    return any((Path(__file__).parent / "weights" / "lumosnet").glob("global*.onnx"))


_REGISTRY: dict[str, Callable[[], Enhancer]] = {
    "classical": _classical,
    "lumosnet": _lumosnet,
}
_INSTALLED: dict[str, Callable[[], bool]] = {"lumosnet": _lumosnet_installed}


def default_model() -> str:
    """What runs without ``--model``: LumosNet, or classical where its weights are missing."""
    return "lumosnet" if _lumosnet_installed() else "classical"


def available_models() -> tuple[str, ...]:
    """Names accepted by ``--model``: the registry's entries whose weights are installed."""
    shipped = (name for name in _REGISTRY if _INSTALLED.get(name, lambda: True)())
    return (*shipped, *_SEEDS)


def get_enhancer(name: str, weights: str | None = None) -> Enhancer:
    """Build the enhancer called ``name``.

    Parameters
    ----------
    name : str
        One of :func:`available_models`.
    weights : str, optional
        Checkpoint file or folder; required by the seed models, refused by the others.

    Raises
    ------
    OptionError
        If no enhancer has that name, or ``weights`` is missing or not expected.
    ModelError
        If a seed checkpoint cannot be loaded.
    MissingExtraError
        If a seed model is asked for without torch installed.
    """
    if name not in available_models():
        raise OptionError(f"unknown model {name!r}; choose one of: {', '.join(available_models())}")
    if name in _SEEDS:
        if not weights:
            raise OptionError(f"--model {name} needs --weights (the published checkpoint)")
        return _SEEDS[name](weights)
    if weights is not None:
        raise OptionError(f"--weights is only for models run from user files, not {name}")
    return _REGISTRY[name]()
