"""Keypoint matching as a downstream metric."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from lumos.errors import InputError, OptionError
from lumos.eval.downstream import keypoint_matches


def textured(h: int = 320, w: int = 320, seed: int = 0) -> np.ndarray:
    """Random blobs at several scales plus shapes: plenty of distinctive corners."""
    rng = np.random.default_rng(seed)
    img = np.zeros((h, w), np.float64)
    for scale in (2, 4, 8, 16):
        small = rng.random((h // scale + 1, w // scale + 1))
        img += cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)[:h, :w] / scale**0.5
    img = (img - img.min()) / (img.max() - img.min())
    for _ in range(25):
        x, y = rng.integers(0, w - 30), rng.integers(0, h - 30)
        img[y : y + rng.integers(8, 30), x : x + rng.integers(8, 30)] = rng.random()
    rgb = np.stack([img, img * 0.8 + 0.1, 1 - img], axis=-1)
    return np.clip(rgb, 0, 1).astype(np.float32)


def warp(img: np.ndarray, angle: float, shift: tuple[float, float]) -> np.ndarray:
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    m[:, 2] += shift
    return cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_REFLECT)


@pytest.mark.parametrize("method", ["sift", "orb"])
def test_shifted_rotated_copy_matches_well(method: str) -> None:
    img = textured()
    r = keypoint_matches(img, warp(img, 7.0, (12.0, -5.0)), method=method)
    assert r["method"] in (method, "orb")
    assert r["inliers"] >= 50
    assert r["inlier_ratio"] > 0.5
    assert r["keypoints_a"] > 0 and r["keypoints_b"] > 0


def test_noise_matches_poorly() -> None:
    img = textured()
    noise = np.random.default_rng(5).random(img.shape).astype(np.float32)
    good = keypoint_matches(img, warp(img, 7.0, (12.0, -5.0)))
    bad = keypoint_matches(img, noise)
    assert bad["inliers"] < 0.1 * good["inliers"]
    assert bad["inliers"] <= 20


def test_brightening_a_dark_copy_gives_more_inliers() -> None:
    ref = textured(seed=2)
    rng = np.random.default_rng(3)
    dark = np.clip(ref * 0.03 + rng.normal(0, 0.002, ref.shape), 0, 1)
    # Quantise like a camera would, then brighten (a crude enhancer).
    dark = np.round(dark * 255) / 255
    bright = np.clip(dark / 0.03, 0, 1)
    moved = warp(ref, 3.0, (6.0, 4.0))
    n_dark = keypoint_matches(dark, moved)["inliers"]
    n_bright = keypoint_matches(bright, moved)["inliers"]
    assert n_dark < n_bright


def test_deterministic() -> None:
    img = textured(seed=4)
    other = warp(img, 5.0, (3.0, 3.0))
    assert keypoint_matches(img, other) == keypoint_matches(img, other)


def test_blank_images_give_zero_without_error() -> None:
    blank = np.zeros((64, 64, 3), np.float32)
    r = keypoint_matches(blank, blank)
    assert r["matches"] == 0 and r["inliers"] == 0 and r["inlier_ratio"] == 0.0


def test_grey_input_and_different_sizes() -> None:
    img = textured()
    r = keypoint_matches(img.mean(axis=2), img[20:260, 30:300])
    assert r["inliers"] >= 20


def test_bad_options_and_shapes() -> None:
    img = textured(64, 64)
    with pytest.raises(OptionError, match="method"):
        keypoint_matches(img, img, method="surf")
    with pytest.raises(OptionError, match="ratio"):
        keypoint_matches(img, img, ratio=0.0)
    with pytest.raises(InputError, match="RGB"):
        keypoint_matches(img[..., :2], img)


def test_match_homography_recovers_a_known_warp() -> None:
    from lumos.eval.downstream import corner_error, match_homography

    img = textured()
    h, w = img.shape[:2]
    src = np.float32([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]])
    true = cv2.getPerspectiveTransform(src, src + np.float32([[9, -6], [-7, 5], [4, 8], [-5, -9]]))
    moved = cv2.warpPerspective(img, true, (w, h), borderMode=cv2.BORDER_REFLECT_101)
    res, est = match_homography(img, moved)
    assert res["inliers"] > 20 and corner_error(est, true, (h, w)) < 3.0
    # A wrong homography is far off; none at all is infinitely so.
    assert corner_error(np.eye(3), true, (h, w)) > 5.0
    assert corner_error(None, true, (h, w)) == float("inf")
    blank = np.zeros_like(img)
    assert match_homography(blank, moved)[1] is None
