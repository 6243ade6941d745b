"""The real-camera noise model: noise born on the mosaic, then developed like a camera's."""

from __future__ import annotations

import numpy as np
import pytest

from lumos.data.camera import (
    CameraParams,
    camera_noise,
    develop,
    mosaic,
    render,
    sample_camera,
    unprocess,
)

GREY = (
    (1.0, 0.0, 0.0),
    (0.0, 1.0, 0.0),
    (0.0, 0.0, 1.0),
)


def _noise(params: CameraParams, level: float, side: int = 128, seed: int = 0) -> np.ndarray:
    flat = np.full((side, side, 3), level, np.float32)
    noisy, clean = camera_noise(flat, params, seed=seed)
    return noisy.astype(np.float64) - clean


def test_unprocess_and_develop_round_trip_without_noise() -> None:
    rng = np.random.default_rng(0)
    # A smooth photo (a mosaic loses no detail there): colours, a gradient.
    yy, xx = np.mgrid[0:64, 0:64] / 64.0
    img = np.dstack([0.2 + 0.6 * xx, 0.3 + 0.4 * yy, 0.5 - 0.3 * xx * yy]).astype(np.float32)
    for _ in range(4):
        p = sample_camera(rng, jpeg_probability=0.0)
        cam = unprocess(img, p)
        np.testing.assert_allclose(render(cam, p), img, atol=2e-3)
        np.testing.assert_allclose(develop(mosaic(cam), p)[2:-2, 2:-2], img[2:-2, 2:-2], atol=4e-3)


def test_clean_output_is_the_photo_at_its_exposure() -> None:
    img = np.random.default_rng(1).random((32, 33, 3)).astype(np.float32)
    noisy, clean = camera_noise(img, CameraParams(), seed=0)
    assert noisy.shape == clean.shape == (32, 32, 3)  # even sides for the mosaic
    np.testing.assert_array_equal(clean, img[:, :32])
    _, darker = camera_noise(img, CameraParams(exposure=0.25), seed=0)
    assert darker.mean() < 0.75 * clean.mean()


def test_noise_variance_grows_with_the_signal() -> None:
    """Shot noise: brighter photosites are noisier in absolute terms (before the tone
    curve compresses them); read noise sets the floor in the shadows."""
    p = CameraParams(shot=4e-3, read=1e-3, rgb_to_cam=GREY, wb_gains=(1.0, 1.0))
    levels = [0.05, 0.2, 0.6]
    linear_std = []
    for level in levels:
        n = _noise(p, level)
        # Back to linear units: divide by the sRGB curve's slope at this level.
        lin = ((level + 0.055) / 1.055) ** 2.4
        slope = 1.055 / 2.4 * lin ** (1 / 2.4 - 1)
        linear_std.append(n.std() / slope)
    assert linear_std[0] < linear_std[1] < linear_std[2]
    # Variance ~ shot * signal + read^2: the bright level's is close to the model's.
    lin = ((0.6 + 0.055) / 1.055) ** 2.4
    expected = np.sqrt(4e-3 * lin + 1e-6)
    # Bilinear demosaicing averages 2-4 photosites for the missing colours: lower.
    assert 0.4 * expected < linear_std[2] < 1.05 * expected


def _neighbour_correlation(n: np.ndarray) -> float:
    g = n[..., 1]
    a, b = g[:, :-1].ravel(), g[:, 1:].ravel()
    return float(np.corrcoef(a, b)[0, 1])


@pytest.mark.parametrize("demosaic", ["bilinear", "edge_aware"])
def test_demosaiced_noise_is_spatially_and_chromatically_correlated(demosaic: str) -> None:
    p = CameraParams(shot=2e-3, read=3e-3, demosaic=demosaic)
    n = _noise(p, 0.4, side=160)
    # Pixel-independent noise has no neighbour correlation; demosaicked noise does.
    assert _neighbour_correlation(n) > 0.15
    white = np.random.default_rng(0).standard_normal(n.shape)
    assert abs(_neighbour_correlation(white)) < 0.05
    # The colour matrix mixes the channels' noise: R and G noise are correlated.
    r, g = n[..., 0].ravel(), n[..., 1].ravel()
    assert abs(np.corrcoef(r, g)[0, 1]) > 0.1


def test_in_camera_noise_reduction_coarsens_the_grain_and_calms_its_colour() -> None:
    plain = CameraParams(shot=2e-3, read=3e-3, demosaic="edge_aware")
    reduced = CameraParams(
        shot=2e-3, read=3e-3, demosaic="edge_aware", luma_grain=0.8, chroma_grain=1.5
    )
    a, b = _noise(plain, 0.4, side=160), _noise(reduced, 0.4, side=160)
    luma_a, luma_b = a.mean(axis=-1), b.mean(axis=-1)
    # The luma noise keeps its level and gets coarser (as on real camera JPEGs, whose
    # neighbouring pixels' noise correlates about 0.5-0.6).
    assert luma_b.std() == pytest.approx(luma_a.std(), rel=0.1)
    assert _neighbour_correlation(b) > _neighbour_correlation(a) + 0.2
    # Colour noise is smoothed away, not kept at its level.
    chroma_a, chroma_b = a - luma_a[..., None], b - luma_b[..., None]
    assert chroma_b.std() < 0.6 * chroma_a.std()


def test_white_balance_makes_red_and_blue_noisier_than_green() -> None:
    p = CameraParams(shot=2e-3, read=3e-3, rgb_to_cam=GREY, wb_gains=(2.2, 1.8))
    std = _noise(p, 0.3, side=160).reshape(-1, 3).std(axis=0)
    assert std[0] > 1.3 * std[1] and std[2] > 1.2 * std[1]


def test_sampled_cameras_are_seeded_and_plausible() -> None:
    a = sample_camera(np.random.default_rng(3))
    b = sample_camera(np.random.default_rng(3))
    assert a == b
    rng = np.random.default_rng(4)
    for _ in range(20):
        p = sample_camera(rng, exposure=(0.1, 0.5))
        m = np.asarray(p.rgb_to_cam)
        np.testing.assert_allclose(m.sum(axis=1), 1.0, atol=1e-9)  # grey stays grey
        assert 1e-4 <= p.shot <= 1e-2 and 0 < p.read < 0.05 and 0.1 <= p.exposure <= 0.5


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="demosaic"):
        CameraParams(demosaic="vng")
    with pytest.raises(ValueError, match="exposure"):
        CameraParams(exposure=0.0)
    with pytest.raises(ValueError, match="grain"):
        CameraParams(luma_grain=-1.0)
    with pytest.raises(ValueError, match="even"):
        mosaic(np.zeros((3, 4, 3), np.float32))
