"""MIRNet and ALEN re-implementations: published key/shape layout, blocks, enhancers, errors.

The reference layouts below are transcribed from the original projects, not
derived from our modules: ``dblasko/low-light-event-img-enhancer``
(``model/MIRNet/*.py``, inference with ``MIRNet(num_features=64)``) and
``xingyumex/ALEN`` (``Networks/SCNet.py``, ``MCNet.py``, ``GE.py``,
``SLCformer.py``, ``Utils/patch_merging.py``).
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lumos.config import EnhanceOptions, TilingOptions  # noqa: E402
from lumos.errors import MissingExtraError, ModelError, OptionError  # noqa: E402
from lumos.models import get_enhancer  # noqa: E402
from lumos.models.seeds import _alen_arch as alen  # noqa: E402
from lumos.models.seeds import _mirnet_arch as mir  # noqa: E402
from lumos.pipeline import run_pipeline  # noqa: E402

# --- reference layouts ---------------------------------------------------------------


def _conv(d: dict, k: str, cout: int, cin: int, ks: int, bias: bool = False) -> None:
    d[f"{k}.weight"] = (cout, cin, ks, ks)
    if bias:
        d[f"{k}.bias"] = (cout,)


def _mir_dau(d: dict, p: str, c: int) -> None:
    _conv(d, f"{p}.initial_convs.0", c, c, 3)
    d[f"{p}.initial_convs.1.weight"] = (1,)
    _conv(d, f"{p}.initial_convs.2", c, c, 3)
    _conv(d, f"{p}.channel_attention.excitation.0", c // 8, c, 1)
    d[f"{p}.channel_attention.excitation.1.weight"] = (1,)
    _conv(d, f"{p}.channel_attention.excitation.2", c, c // 8, 1)
    _conv(d, f"{p}.spatial_attention.conv", 1, 2, 5, bias=True)
    _conv(d, f"{p}.final_conv", c, 2 * c, 1)


def _mir_resample(d: dict, p: str, c: int, n: int, down: bool) -> None:
    for i in range(n):
        q = f"{p}.blocks.{i}"
        out = 2 * c if down else c // 2
        _conv(d, f"{q}.branch1.0", c, c, 1)
        d[f"{q}.branch1.1.weight"] = (1,)
        _conv(d, f"{q}.branch1.2", c, c, 3)
        d[f"{q}.branch1.3.weight"] = (1,)
        if down:
            d[f"{q}.branch1.4.filt"] = (c, 1, 3, 3)
            d[f"{q}.branch2.0.filt"] = (c, 1, 3, 3)
        _conv(d, f"{q}.branch1.5", out, c, 1)
        _conv(d, f"{q}.branch2.1", out, c, 1)
        c = out


def mirnet_reference() -> dict[str, tuple[int, ...]]:
    d: dict[str, tuple[int, ...]] = {}
    _conv(d, "conv_start", 64, 3, 3)
    for r in range(3):
        for b in range(2):
            p = f"msrb_blocks.{r}.blocks.{b}"
            for j, c in enumerate((64, 128, 256)):
                for w in range(2):
                    _mir_dau(d, f"{p}.dual_attention_units.{j}.{w}", c)
            _mir_resample(d, f"{p}.last_up.1", 128, 1, down=False)
            _mir_resample(d, f"{p}.last_up.2", 256, 2, down=False)
            for key, c, n in (("64_4", 64, 2), ("64_2", 64, 1), ("128_2", 128, 1)):
                _mir_resample(d, f"{p}.down.{key}", c, n, down=True)
            for key, c, n in (("256_4", 256, 2), ("256_2", 256, 1), ("128_2", 128, 1)):
                _mir_resample(d, f"{p}.up.{key}", c, n, down=False)
            _conv(d, f"{p}.out_conv", 64, 64, 3)
            for j, (c, red) in enumerate(((64, 21), (128, 42), (256, 85))):
                _conv(d, f"{p}.skff_blocks.{j}.convolution.0", red, c, 1)
                d[f"{p}.skff_blocks.{j}.convolution.1.weight"] = (1,)
                for a in range(3):
                    _conv(d, f"{p}.skff_blocks.{j}.attention_convs.{a}", c, red, 1)
        _conv(d, f"msrb_blocks.{r}.blocks.2", 64, 64, 3)
    _conv(d, "conv_end", 3, 64, 3)
    return d


SCNET = {
    "conv1": (32, 1, 3), "conv2": (64, 32, 3), "conv3": (128, 64, 3), "conv4": (256, 128, 3),
    "conv5": (128, 256, 1), "conv6": (64, 256, 1), "conv7": (32, 128, 1), "conv8": (1, 64, 1),
}  # fmt: skip
CORENET = {
    "initial": (32, 1, 3), "conv1": (32, 32, 3), "conv2": (64, 32, 3), "conv3": (64, 64, 3),
    "conv4": (128, 64, 3), "conv5": (64, 128, 3), "conv6": (32, 64, 3), "final": (1, 32, 1),
    "adjust1.conv": (64, 32, 1), "adjust2.conv": (128, 64, 1),
}  # fmt: skip


def _convs(table: dict, prefix: str = "") -> dict[str, tuple[int, ...]]:
    d: dict[str, tuple[int, ...]] = {}
    for k, (co, ci, ks) in table.items():
        _conv(d, prefix + k, co, ci, ks, bias=True)
    return d


def mcnet_reference(prefix: str = "") -> dict[str, tuple[int, ...]]:
    d: dict[str, tuple[int, ...]] = {}
    for ch in (1, 2, 3):
        d |= _convs(CORENET, f"{prefix}channel{ch}.")
    _conv(d, f"{prefix}final_conv", 3, 3, 3, bias=True)
    return d


def slcformer_reference() -> dict[str, tuple[int, ...]]:
    d: dict[str, tuple[int, ...]] = {}
    cin, dims, layers = 3, (32, 64, 128, 256), (2, 2, 6, 2)
    heads, factors = (1, 2, 4, 8), (4, 2, 2, 2)
    for s in range(4):
        p, dim, inner = f"stage{s + 1}", dims[s], heads[s] * 32
        d[f"{p}.patch_partition.linear.weight"] = (dim, cin * factors[s] ** 2)
        d[f"{p}.patch_partition.linear.bias"] = (dim,)
        for i in range(layers[s] // 2):
            for j in range(2):
                q = f"{p}.layers.{i}.{j}"
                d[f"{q}.LN.weight"] = d[f"{q}.LN.bias"] = (dim,)
                if j == 1:
                    d[f"{q}.MSA.upper_lower_mask"] = d[f"{q}.MSA.left_right_mask"] = (49, 49)
                d[f"{q}.MSA.to_qkv.weight"] = (3 * inner, dim)
                d[f"{q}.MSA.pos_embedding"] = (13, 13)
                d[f"{q}.MSA.to_out.weight"] = (dim, inner)
                d[f"{q}.MSA.to_out.bias"] = (dim,)
                d[f"{q}.MLP.0.weight"] = (4 * dim, dim)
                d[f"{q}.MLP.0.bias"] = (4 * dim,)
                d[f"{q}.MLP.2.weight"] = (dim, 4 * dim)
                d[f"{q}.MLP.2.bias"] = (dim,)
        cin = dim
    d["finalStage.0.weight"] = d["finalStage.0.bias"] = (256,)
    d["finalStage.1.weight"] = (2, 256)
    d["finalStage.1.bias"] = (2,)
    return d


def _layout(module: torch.nn.Module) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in module.state_dict().items()}


@pytest.mark.parametrize(
    ("build", "reference"),
    [
        (mir.MIRNet, mirnet_reference),
        (alen.ScNet, lambda: _convs(SCNET)),
        (alen.McNet, mcnet_reference),
        (alen.GlobalEnhancement, lambda: _convs(SCNET, "scNet.") | mcnet_reference("mcNet.")),
        (alen.SLCFormer, slcformer_reference),
    ],
)
def test_state_dict_layout_matches_the_published_one(build, reference) -> None:
    ours, ref = _layout(build()), reference()
    assert sorted(set(ref) - set(ours)) == []
    assert sorted(set(ours) - set(ref)) == []
    assert ours == ref


def _random_state(reference: dict[str, tuple[int, ...]], seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    return {k: torch.randn(s, generator=g) * 0.05 for k, s in reference.items()}


def test_published_style_checkpoint_loads_strictly() -> None:
    net = mir.MIRNet()
    net.load_state_dict(_random_state(mirnet_reference()), strict=True)
    x = torch.rand(1, 3, 32, 40)
    with torch.inference_mode():
        assert net(x).shape == x.shape


# --- building blocks -----------------------------------------------------------------


def test_blurpool_averages_a_constant_and_halves_the_size() -> None:
    bp = mir.BlurPool(4)
    y = bp(torch.full((1, 4, 8, 10), 3.0))
    assert y.shape == (1, 4, 4, 5)
    torch.testing.assert_close(y, torch.full_like(y, 3.0))


def test_resample_modules_scale_size_and_channels() -> None:
    x = torch.rand(1, 64, 32, 32)
    assert mir.Resample(64, 4, down=True)(x).shape == (1, 256, 8, 8)
    assert mir.Resample(64, 4, down=False)(x).shape == (1, 16, 128, 128)


def test_dual_attention_units_of_one_scale_are_shared() -> None:
    block = mir.MSRB(16)
    assert block.dual_attention_units[1][0] is block.dual_attention_units[1][1]


def test_patch_merging_orders_channels_like_unfold() -> None:
    pm = alen.PatchMerging(3, 5, 4)
    x = torch.rand(2, 3, 8, 12)
    unfold = torch.nn.Unfold(kernel_size=4, stride=4)(x).view(2, -1, 2, 3).permute(0, 2, 3, 1)
    torch.testing.assert_close(pm(x), pm.linear(unfold))


def test_window_masks_match_the_shift_rule() -> None:
    m = alen._window_mask(7, 3, rows=True)
    assert torch.isinf(m[-1, 0]) and m[0, 0] == 0 and torch.isinf(m[0, -1])
    lr = alen._window_mask(7, 3, rows=False).view(7, 7, 7, 7)
    assert torch.isinf(lr[0, 6, 0, 0]) and lr[0, 0, 0, 0] == 0


def test_hsv_value_scale_keeps_hue_and_saturation() -> None:
    rgb = torch.tensor([0.2, 0.1, 0.05]).view(1, 3, 1, 1)
    out = alen.hsv_value_scale(rgb, torch.tensor(0.8).view(1, 1, 1, 1))
    torch.testing.assert_close(out.flatten(), torch.tensor([0.8, 0.4, 0.2]))
    black = alen.hsv_value_scale(torch.zeros(1, 3, 1, 1), torch.full((1, 1, 1, 1), 0.3))
    torch.testing.assert_close(black, torch.full((1, 3, 1, 1), 0.3))


def test_scnet_known_value_with_identity_like_weights() -> None:
    net = alen.ScNet()
    for p in net.parameters():
        torch.nn.init.zeros_(p)
    with torch.no_grad():
        net.conv8.bias.fill_(0.25)
    with torch.inference_mode():
        assert float(net(torch.rand(1, 1, 5, 5)).max()) == pytest.approx(0.25)


# --- enhancers -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    d = tmp_path_factory.mktemp("ckpt")
    torch.manual_seed(0)
    torch.save({"epoch": 1, "model_state_dict": mir.MIRNet().state_dict()}, d / "mirnet.pth")
    alen_dir = d / "alen"
    alen_dir.mkdir()
    for name, build in (
        ("CLASSIFICATION", alen.SLCFormer),
        ("LOCAL", alen.ScNet),
        ("GLOBAL", alen.GlobalEnhancement),
        ("COLOR", alen.McNet),
    ):
        torch.save(build().state_dict(), alen_dir / f"{name}.pt")
    return d


@pytest.mark.parametrize("model", ["mirnet", "alen"])
def test_tiled_run_matches_the_whole_frame(checkpoints, model: str) -> None:
    w = str(checkpoints / ("mirnet.pth" if model == "mirnet" else "alen"))
    # Small: MIRNet at full resolution is heavy on a CPU; two tiles suffice.
    img = np.random.default_rng(0).random((48, 76, 3), dtype=np.float32) * 0.3
    whole = run_pipeline(img, EnhanceOptions(model=model, weights=w, tiling=TilingOptions(0)))
    tiled = run_pipeline(img, EnhanceOptions(model=model, weights=w, tiling=TilingOptions(64)))
    assert whole.rgb.shape == img.shape and whole.rgb.dtype == np.float32
    assert whole.rgb.min() >= 0.0 and whole.rgb.max() <= 1.0
    np.testing.assert_allclose(tiled.rgb, whole.rgb, atol=2e-3 if model == "mirnet" else 1e-5)


def test_alen_branch_is_decided_once(checkpoints) -> None:
    enh = get_enhancer("alen", str(checkpoints / "alen"))
    img = np.full((40, 40, 3), 0.1, np.float32)
    from lumos.analysis import analyse

    plan = enh.prepare(img, analyse(img), denoise=None, detail=None, brightness=None)
    assert plan.params["branch"] in {"uniform", "uneven"}


def test_seed_models_need_weights() -> None:
    with pytest.raises(OptionError, match="needs weights"):
        EnhanceOptions(model="mirnet")
    with pytest.raises(OptionError, match="only for models"):
        EnhanceOptions(model="classical", weights="x.pth")


def test_wrong_checkpoint_names_the_missing_keys(tmp_path) -> None:
    bad = tmp_path / "bad.pth"
    torch.save({"model_state_dict": {"conv_start.weight": torch.zeros(64, 3, 3, 3)}}, bad)
    with pytest.raises(ModelError, match="missing keys: msrb_blocks"):
        get_enhancer("mirnet", str(bad))


def test_wrong_shape_is_reported(tmp_path) -> None:
    state = alen.ScNet().state_dict()
    state["conv1.weight"] = torch.zeros(16, 1, 3, 3)
    torch.save(state, tmp_path / "LOCAL.pt")
    with pytest.raises(ModelError, match="wrong shapes"):
        from lumos.models.seeds._load import load_into

        load_into(alen.ScNet(), tmp_path / "LOCAL.pt")


def test_corrupt_file_is_one_clear_line(tmp_path) -> None:
    bad = tmp_path / "x.pth"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(ModelError, match="not a readable PyTorch checkpoint") as info:
        get_enhancer("mirnet", str(bad))
    assert "\n" not in str(info.value)


def test_alen_weights_must_be_a_folder(tmp_path) -> None:
    with pytest.raises(ModelError, match="folder"):
        get_enhancer("alen", str(tmp_path / "nope"))


def test_missing_torch_names_the_extra(monkeypatch) -> None:
    import builtins

    real_import = builtins.__import__

    def fake(name, *args, **kwargs):
        if name == "torch":
            raise ImportError("no torch")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)
    from lumos.models.seeds._load import require_torch

    with pytest.raises(MissingExtraError, match="lumos\\[train\\]"):
        require_torch()
