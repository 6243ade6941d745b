"""User-facing options of one enhancement run, validated once at the boundary."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

from .errors import OptionError

__all__ = [
    "DEFAULT_MAX_MEGAPIXELS",
    "DEHAZER_CHOICES",
    "DENOISE_MAX",
    "EXPOSURE_CHOICES",
    "LIGHT_CHOICES",
    "SCALE_CHOICES",
    "UPSCALER_CHOICES",
    "EnhanceOptions",
    "TilingOptions",
    "brightness_from_8bit",
    "plain_number",
]

DEFAULT_MAX_MEGAPIXELS = 200.0
DENOISE_MAX = 2.0
"""Top of ``--denoise``: 1 removes the noise lumos measures, 2 smooths as if there were
twice as much (for photos whose grain the measurement underrates, or a smoother look)."""
LIGHT_CHOICES = ("auto", "uniform", "uneven")
"""Values of ``--light``: follow the classifier, or force one brightening strategy."""
SCALE_CHOICES = (1, 2, 4)
"""Values of ``--scale``: enlarge the enhanced photo this many times per side."""
EXPOSURE_CHOICES = ("auto", "brighten", "darken")
"""Values of ``--exposure``: let the verdicts choose, or allow one direction only (see
:mod:`lumos.stages.highlights`)."""
UPSCALER_CHOICES = ("auto", "learned", "classical")
"""Values of ``--upscaler``: ``auto`` is the learned net when installed (see ``stages.upscale``)."""
DEHAZER_CHOICES = ("auto", "learned", "dcp")
"""Values of ``--dehazer``: ``auto`` is the learned net (LumosDH) when installed, else the dark
channel prior (see ``stages.dehaze``)."""


def brightness_from_8bit(value: object) -> object:
    """A brightness above 1 read as 8-bit units (``128`` -> 128/255), as ``--brightness`` does.

    Anything else (``None``, a [0, 1] mean, a wrong type) is returned as it is,
    for :class:`EnhanceOptions` to accept or refuse.
    """
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and value > 1.0:
        return float(value) / 255.0
    return value


def plain_number(value: object) -> object:
    """A NumPy number (``np.float32(0.5)``, ``np.int64(2)``) as the Python ``float`` or
    ``int`` it is to a user; anything else, bools included, as it is (to be checked)."""
    if isinstance(value, bool) or type(value) in (int, float):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value


def _check_strength(name: str, value: float | None, top: float = 1.0) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise OptionError(f"must be a number between 0 and {top:g}, got {value!r}", option=name)
    if not 0.0 <= float(value) <= top:
        raise OptionError(f"must be between 0 and {top:g}, got {value}", option=name)


@dataclass(frozen=True)
class TilingOptions:
    """How a full-resolution image is cut into overlapping tiles.

    ``tile`` is the side of a tile's core in pixels (0 = whole image at once);
    the overlap each enhancer needs is added around it and blended away.
    """

    tile: int = 512

    def __post_init__(self) -> None:
        # A NumPy integer (np.int64(256)) is an integer to a user, as EnhanceOptions takes it.
        if isinstance(tile := plain_number(self.tile), int):
            object.__setattr__(self, "tile", tile)
        if isinstance(self.tile, bool) or not isinstance(self.tile, int):
            raise OptionError(f"must be an integer, got {self.tile!r}", option="tile")
        if self.tile != 0 and self.tile < 64:
            raise OptionError(
                f"must be 0 (no tiling) or at least 64, got {self.tile}", option="tile"
            )


def _default_model() -> str:
    from .models import default_model  # late: models import the enhancers

    return default_model()


@dataclass(frozen=True)
class EnhanceOptions:
    """Options of :func:`lumos.enhance`, mirrored one-to-one by the CLI.

    Parameters
    ----------
    model : str
        Which enhancer runs: ``"lumosnet"`` (the learned model, the default),
        ``"classical"`` (no network) or another of
        :func:`lumos.models.available_models`.
    denoise : float or None
        Denoise strength in [0, 2]: 0 keeps all the grain, 1 removes the
        noise lumos measures, up to 2 smooths as if there were twice as much;
        ``None`` chooses it from the measured noise.
    detail : float or None
        Detail/sharpening strength in [0, 1]; ``None`` chooses it from the measured noise.
    brightness : float or None
        Target mean brightness in [0.05, 0.95]; ``None`` ("auto") chooses it from the
        photo. (:func:`lumos.enhance` and the CLI also take 13..242 in 8-bit units.)
    shadows : float or None
        How far to open up shadows in [0, 1] (0 = leave them, 1 = lift them most,
        up to 3x); ``None`` ("auto") lifts them where a photo is partly in full
        light and partly in deep shadow (backlit), see :mod:`lumos.stages.shadows`.
    dehaze : float or None
        Haze removal strength in [0, 1] (0 = none, 1 = the dark channel prior's full
        result), applied before brightening; ``None`` ("auto") dehazes only a photo the
        haze verdict calls hazy (``Analysis.hazy``), see :mod:`lumos.stages.dehaze`.
    dehazer : {"auto", "learned", "dcp"}
        How to dehaze: the learned net (LumosDH, which reads the transmission and airlight
        on a small copy), the dark channel prior, or the net when its weights are installed.
    max_megapixels : float
        Refuse larger images (judged from the header, before decoding).
    tiling : TilingOptions
        Tile size for bounded memory.
    light : {"auto", "uniform", "uneven"}
        Brightening strategy: ``"uniform"`` one global curve, ``"uneven"`` the
        local (illumination-map) strategy, ``"auto"`` what the light
        classifier (:func:`lumos.light.classify_light`) says.
    weights : str or None
        Weights file or folder of a model whose weights the user supplies
        (``mirnet``: a ``.pth`` file, ``alen``: a folder); ``None`` for the others.
    scale : {1, 2, 4}
        Enlarge the enhanced photo this many times per side (the output has
        ``scale**2`` times the pixels, which must stay within ``max_megapixels``).
    upscaler : {"auto", "learned", "classical"}
        How to enlarge: the learned net (LumosSR), Lanczos with noise-gated
        sharpening, or the net when its weights are installed.
    exposure : {"auto", "brighten", "darken"}
        Which way exposure may be corrected: ``"auto"`` darkens a photo the
        over-exposure verdict calls over-exposed and brightens a dark one;
        ``"brighten"`` never darkens (lumos before over-exposure correction);
        ``"darken"`` darkens the highlights even where the verdict would not (see
        :mod:`lumos.stages.highlights`).
    """

    model: str = field(default_factory=_default_model)
    denoise: float | None = None
    detail: float | None = None
    brightness: float | None = None
    shadows: float | None = None
    dehaze: float | None = None
    dehazer: str = "auto"
    max_megapixels: float = DEFAULT_MAX_MEGAPIXELS
    tiling: TilingOptions = field(default_factory=TilingOptions)
    light: str = "auto"
    weights: str | None = None
    scale: int = 1
    upscaler: str = "auto"
    exposure: str = "auto"

    def __post_init__(self) -> None:
        from .models import available_models, needs_weights  # late: models import the enhancers

        if self.model not in available_models():
            raise OptionError(
                f"unknown model {self.model!r}; choose one of: {', '.join(available_models())}"
            )
        if self.light not in LIGHT_CHOICES:
            raise OptionError(
                f"must be one of {', '.join(LIGHT_CHOICES)}, got {self.light!r}", option="light"
            )
        if needs_weights(self.model) and not self.weights:
            raise OptionError(
                f"model {self.model!r} needs weights (the published checkpoint)",
                cli=f"--model {self.model} needs --weights (the published checkpoint)",
            )
        if self.weights is not None and not needs_weights(self.model):
            raise OptionError(
                f"weights are only for models run from user files, not {self.model}",
                cli=f"--weights is only for models run from user files, not {self.model}",
            )
        # NumPy scalars (np.float32(0.5), np.int64(2)) are numbers to a user: take them
        # as Python numbers before checking.
        for name in (
            "denoise",
            "detail",
            "shadows",
            "dehaze",
            "brightness",
            "max_megapixels",
            "scale",
        ):
            object.__setattr__(self, name, plain_number(getattr(self, name)))
        _check_strength("denoise", self.denoise, DENOISE_MAX)
        _check_strength("detail", self.detail)
        _check_strength("shadows", self.shadows)
        _check_strength("dehaze", self.dehaze)
        for name in ("denoise", "detail", "shadows", "dehaze"):
            if getattr(self, name) == 0:  # -0.0 (typed "-0") is reported as 0, not "-0.00"
                object.__setattr__(self, name, 0.0)
        if self.brightness is not None:
            b = self.brightness
            if isinstance(b, bool) or not isinstance(b, (int, float)) or not 0.05 <= b <= 0.95:
                raise OptionError(
                    "must be 'auto' or a target mean between 0.05 and 0.95 (or 13..242 in "
                    f"8-bit units), got {b!r}",
                    option="brightness",
                )
        m = self.max_megapixels
        if isinstance(m, bool) or not isinstance(m, (int, float)) or not math.isfinite(m) or m <= 0:
            raise OptionError(f"must be a positive number, got {m!r}", option="max_megapixels")
        sc = self.scale
        if isinstance(sc, bool) or not isinstance(sc, int) or sc not in SCALE_CHOICES:
            raise OptionError(f"must be 1, 2 or 4, got {sc!r}", option="scale")
        if self.exposure not in EXPOSURE_CHOICES:
            raise OptionError(
                f"must be one of {', '.join(EXPOSURE_CHOICES)}, got {self.exposure!r}",
                option="exposure",
            )
        if self.dehazer not in DEHAZER_CHOICES:
            raise OptionError(
                f"must be one of {', '.join(DEHAZER_CHOICES)}, got {self.dehazer!r}",
                option="dehazer",
            )
        if self.upscaler not in UPSCALER_CHOICES:
            raise OptionError(
                f"must be one of {', '.join(UPSCALER_CHOICES)}, got {self.upscaler!r}",
                option="upscaler",
            )
