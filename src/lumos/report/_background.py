"""Background for the explain report: the task, the methods, and where they come from.

Plain HTML fragments, written for a curious photographer rather than a
specialist. Citations are plain text (no links): the report must not load or
point to anything outside itself.
"""

from __future__ import annotations

__all__ = ["BACKGROUND_HTML", "REFERENCES"]

REFERENCES: list[tuple[str, str]] = [
    (
        "land1971",
        "E. H. Land and J. J. McCann. Lightness and Retinex theory. "
        "Journal of the Optical Society of America 61(1), 1971.",
    ),
    (
        "land1977",
        "E. H. Land. The Retinex theory of color vision. Scientific American 237(6), 1977.",
    ),
    (
        "wei2018",
        "C. Wei, W. Wang, W. Yang and J. Liu. Deep Retinex decomposition for low-light "
        "enhancement (RetinexNet; introduces the LOL dataset). BMVC 2018.",
    ),
    (
        "guo2020",
        "C. Guo, C. Li, J. Guo, C. C. Loy, J. Hou, S. Kwong and R. Cong. Zero-reference deep "
        "curve estimation for low-light image enhancement (Zero-DCE). CVPR 2020.",
    ),
    (
        "zamir2020",
        "S. W. Zamir, A. Arora, S. Khan, M. Hayat, F. S. Khan, M.-H. Yang and L. Shao. "
        "Learning enriched features for real image restoration and enhancement (MIRNet). "
        "ECCV 2020.",
    ),
    (
        "cai2023",
        "Y. Cai, H. Bian, J. Lin, H. Wang, R. Timofte and Y. Zhang. Retinexformer: one-stage "
        "Retinex-based transformer for low-light image enhancement. ICCV 2023.",
    ),
    (
        "perez2024",
        "E. Perez-Zarate, O. Ramos-Soto, C. Liu, D. Oliva and M. Perez-Cisneros. ALEN: a "
        "dual-approach for uniform and non-uniform low-light image enhancement. "
        "arXiv:2407.19708, 2024.",
    ),
    (
        "zhang2018",
        "K. Zhang, W. Zuo and L. Zhang. FFDNet: toward a fast and flexible solution for "
        "CNN-based image denoising. IEEE Transactions on Image Processing 27(9), 2018.",
    ),
    (
        "he2010",
        "K. He, J. Sun and X. Tang. Guided image filtering. ECCV 2010; extended in IEEE "
        "Transactions on Pattern Analysis and Machine Intelligence 35(6), 2013.",
    ),
    (
        "lee2024",
        "G. Y. Lee, T. Dam, M. M. Ferdaus, D. P. Poenar and V. N. Duong. DRACO-DehazeNet: an "
        "efficient image dehazing network combining detail recovery and a novel contrastive "
        "learning paradigm. arXiv:2410.14595, 2024.",
    ),
    (
        "colon2024",
        "Y. Zhang, S. Wang, R. Ma, S. K. McGill, J. G. Rosenman and S. M. Pizer. Lighting "
        "enhancement aids reconstruction of colonoscopic surfaces. IPMI 2021 - one example "
        "of exposure correction as a pre-processing step for 3-D reconstruction.",
    ),
    (
        "mittal2013",
        "A. Mittal, R. Soundararajan and A. C. Bovik. Making a “completely blind” image "
        "quality analyzer (NIQE). IEEE Signal Processing Letters 20(3), 2013.",
    ),
]

_N = {key: i + 1 for i, (key, _) in enumerate(REFERENCES)}


def _c(*keys: str) -> str:
    return "[" + ", ".join(str(_N[k]) for k in keys) + "]"


BACKGROUND_HTML = f"""
<h3>Why dark photos are hard</h3>
<p>A dark photo is not a normal photo with the brightness turned down. Few photons
reached the sensor, so the random part of the signal (photon shot noise and the
sensor's read noise) is large compared with the picture itself. Turning the
brightness up multiplies picture and noise alike: the noise was always there, it
was only too dark to see. Brightening, removing noise and keeping detail therefore
pull against each other, and every method is a way of balancing them.</p>

<h3>Light and surfaces: Retinex</h3>
<p>Land and McCann's Retinex theory {_c("land1971", "land1977")} describes what we see as the
product of the light falling on a scene and how much of it each surface reflects.
The light changes slowly across a scene, while surfaces change at edges. lumos
uses this split directly: it estimates a smooth illumination map and brightens
each place by how little light it received, so shadows come up more than areas
that were already lit, and colours keep their hue because red, green and blue
get the same gain.</p>

<h3>Learned low-light enhancement</h3>
<p>RetinexNet {_c("wei2018")} learned the same decomposition with a neural network and,
with it, released LOL, a set of low-light / normal-light photo pairs that became
the standard benchmark. Zero-DCE {_c("guo2020")} instead predicts a per-pixel brightening
curve with a small network trained without reference photos, from losses on
exposure, colour and smoothness alone. MIRNet {_c("zamir2020")} keeps several resolutions
alive through the network to restore both fine detail and global context, and
Retinexformer {_c("cai2023")} brings Retinex-guided attention into a transformer. ALEN
{_c("perez2024")} first classifies whether a photo is lit uniformly or unevenly and then
enhances it globally or locally; lumos' "uniform / uneven light" analysis asks
the same question with a simple, measurable rule.</p>

<h3>Knowing how noisy the photo is</h3>
<p>A denoiser that knows the noise level can smooth exactly as much as needed.
FFDNet {_c("zhang2018")} makes this explicit by giving the network a noise-level map as an
extra input, so one model handles any noise level, even one that varies across
the image. lumos measures the noise in flat parts of your photo, multiplies it
by the brightening gain at each pixel (brighter gain, more noise), and uses that
map to decide, pixel by pixel, what is noise and what is detail.</p>

<h3>Edge-aware filtering</h3>
<p>The guided filter {_c("he2010")} smooths an image while following the edges of a guide
image, in time independent of the window size. lumos uses it three times: to
estimate the illumination without halos around lamps, to smooth the brightness
noise only where the local variation is no larger than the noise, and to clean
colour noise at low resolution while keeping colours inside object outlines.</p>

<h3>Small models and other uses</h3>
<p>Restoration does not need huge networks: DRACO-DehazeNet {_c("lee2024")}, for
example, is a compact attention-based network for haze removal, trained with a
contrastive loss that pushes its outputs towards clear images and away from
degraded ones. Correcting exposure also helps machines, not only people: in
colonoscopy, exposure correction has been used as a pre-processing step for 3-D
reconstruction of the colon from video {_c("colon2024")}, where dark frames otherwise
defeat feature matching.</p>

<h3>Measuring the result</h3>
<p>With a reference photo, PSNR and SSIM compare pixels. Your photo has no
reference, so this report measures what it can on the image itself: the noise
in flat areas, the strength of edges, brightness and clipping. Blind quality
scores such as NIQE {_c("mittal2013")} go one step further and compare an image's local
statistics with those of natural, undistorted photos.</p>
"""
