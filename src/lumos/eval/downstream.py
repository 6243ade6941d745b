"""A downstream metric: does enhancement help a machine match the scene?

Enhancement should not only please people. A feature matcher (the first step
of panorama stitching, SLAM or 3-D reconstruction) finds few keypoints in a
dark, noisy photo and many false ones in amplified noise. So the number of
geometrically consistent matches between an enhanced low-light photo and its
well-exposed reference is a useful, honest score: it goes up when structure
is recovered and does not reward hallucinated texture, which matches nothing.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from ..errors import InputError, OptionError

__all__ = ["corner_error", "keypoint_matches", "match_homography"]

_METHODS = ("sift", "orb")
_MAX_FEATURES = 4000  # bounds the run time on large photos
_MIN_HOMOGRAPHY_MATCHES = 4


def _grey_u8(image: np.ndarray, name: str) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 3:
        image = image[..., 0] * 0.299 + image[..., 1] * 0.587 + image[..., 2] * 0.114
    elif image.ndim != 2:
        raise InputError(f"{name} must be an RGB (H, W, 3) or grey (H, W) image, got {image.shape}")
    # Detectors work on 8-bit data; quantising here is what a real pipeline would do too.
    return np.clip(image.astype(np.float64) * 255.0 + 0.5, 0, 255).astype(np.uint8)


def _detector(method: str) -> tuple[Any, int, str]:
    if method == "sift" and hasattr(cv2, "SIFT_create"):
        return cv2.SIFT_create(nfeatures=_MAX_FEATURES), cv2.NORM_L2, "sift"
    # ORB: patent-free and in every OpenCV build; the fallback for old builds without SIFT.
    return cv2.ORB_create(nfeatures=_MAX_FEATURES), cv2.NORM_HAMMING, "orb"


def keypoint_matches(
    a: np.ndarray,
    b: np.ndarray,
    *,
    method: str = "sift",
    ratio: float = 0.75,
    ransac_threshold: float = 3.0,
) -> dict[str, Any]:
    """Keypoints, ratio-test matches and RANSAC homography inliers between two images.

    Parameters
    ----------
    a, b : (H, W, 3) or (H, W) ndarray
        RGB or grey images, float in [0, 1]; sizes may differ.
    method : {"sift", "orb"}
        Detector and descriptor. ``"sift"`` falls back to ORB on OpenCV builds
        without SIFT; the returned ``method`` says which ran.
    ratio : float
        Lowe's ratio test: keep a match if its distance is below ``ratio``
        times the second-best candidate's.
    ransac_threshold : float
        Maximum reprojection error, in pixels, for a match to count as an inlier.

    Returns
    -------
    dict
        ``method``; ``keypoints_a``, ``keypoints_b``; ``matches`` (after the
        ratio test); ``inliers`` (consistent with one RANSAC homography, 0 if
        fewer than 4 matches); ``inlier_ratio`` (inliers / matches, 0 if none).

    Notes
    -----
    A homography is exact for a pure camera rotation or a planar scene and a
    good model for an aligned low/reference pair. Images are quantised to 8
    bits first, so a very dark image loses detail exactly as it would in a
    real pipeline. OpenCV's RANSAC uses a fixed seed, so results repeat.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> img = rng.random((64, 64)).astype(np.float32)
    >>> keypoint_matches(img, img)["method"] in ("sift", "orb")
    True
    """
    return match_homography(a, b, method=method, ratio=ratio, ransac_threshold=ransac_threshold)[0]


def match_homography(
    a: np.ndarray,
    b: np.ndarray,
    *,
    method: str = "sift",
    ratio: float = 0.75,
    ransac_threshold: float = 3.0,
) -> tuple[dict[str, Any], np.ndarray | None]:
    """:func:`keypoint_matches` and the RANSAC homography it found (a to b; ``None``
    with fewer than 4 matches or when RANSAC fails), for scoring it against a known one
    (:func:`corner_error`)."""
    if method not in _METHODS:
        raise OptionError(f"method must be one of {', '.join(_METHODS)}, got {method!r}")
    if not 0.0 < ratio <= 1.0:
        raise OptionError(f"ratio must be in (0, 1], got {ratio}")
    ga, gb = _grey_u8(a, "a"), _grey_u8(b, "b")
    detector, norm, used = _detector(method)
    kp_a, des_a = detector.detectAndCompute(ga, None)
    kp_b, des_b = detector.detectAndCompute(gb, None)
    result: dict[str, Any] = {
        "method": used,
        "keypoints_a": len(kp_a),
        "keypoints_b": len(kp_b),
        "matches": 0,
        "inliers": 0,
        "inlier_ratio": 0.0,
    }
    if des_a is None or des_b is None or len(kp_a) < 2 or len(kp_b) < 2:
        return result, None
    pairs = cv2.BFMatcher(norm).knnMatch(des_a, des_b, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < ratio * p[1].distance]
    result["matches"] = len(good)
    if len(good) < _MIN_HOMOGRAPHY_MATCHES:
        return result, None
    src = np.float32([kp_a[m.queryIdx].pt for m in good]).reshape(-1, 1, 2)
    dst = np.float32([kp_b[m.trainIdx].pt for m in good]).reshape(-1, 1, 2)
    h, mask = cv2.findHomography(src, dst, cv2.RANSAC, ransac_threshold)
    inliers = 0 if mask is None else int(mask.sum())
    result["inliers"] = inliers
    result["inlier_ratio"] = inliers / len(good)
    return result, h


def corner_error(estimated: np.ndarray | None, true: np.ndarray, shape: tuple[int, int]) -> float:
    """Mean distance, in pixels, between the image corners mapped by ``estimated`` and by
    ``true`` (``inf`` for no estimate): the usual test of a recovered homography.

    >>> corner_error(np.eye(3), np.eye(3), (10, 20))
    0.0
    """
    if estimated is None:
        return float("inf")
    h, w = shape
    corners = np.float32([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]]).reshape(-1, 1, 2)
    got = cv2.perspectiveTransform(corners, np.asarray(estimated, np.float64))
    want = cv2.perspectiveTransform(corners, np.asarray(true, np.float64))
    return float(np.linalg.norm(got - want, axis=-1).mean())
