"""LumosNet's training-side network: the optional additive offsets."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="needs the 'train' extra (torch==2.13.0)")


def test_a_net_with_offsets_starts_as_the_net_it_was_loaded_from() -> None:
    from lumos.train.archs import GlobalNet

    torch.manual_seed(0)
    plain = GlobalNet(16)
    with torch.no_grad():
        plain.head.weight.normal_(0, 0.05)  # a trained-looking head, not the zero init
    with_offsets = GlobalNet(16, offsets=True)
    with_offsets.load_without_offsets(plain.state_dict())
    proxy = torch.rand(2, 3, 40, 56)
    with torch.no_grad():
        a, b = plain(proxy), with_offsets(proxy)
    assert b.shape == (2, 9, 20, 28)
    torch.testing.assert_close(b[:, :6], a)
    assert b[:, 6:].abs().max() == 0.0


def test_offsets_are_bounded_and_added_after_the_gain() -> None:
    from lumos.train.archs import OFFSET_MAX, GlobalNet, apply_gain

    net = GlobalNet(16, offsets=True)
    with torch.no_grad():
        net.head.bias[6:] = 100.0  # a wild raw offset saturates at the bound
    d = net(torch.rand(1, 3, 32, 32))[:, 6:]
    assert torch.allclose(d, torch.full_like(d, OFFSET_MAX))

    image = torch.full((1, 3, 4, 4), 0.1)
    coeffs = torch.zeros(1, 9, 4, 4)
    coeffs[:, 3:6] = torch.log(torch.tensor(2.0))  # gain 2
    coeffs[:, 6:] = torch.tensor([0.05, 0.0, -0.05]).view(1, 3, 1, 1)
    out, gain = apply_gain(image, coeffs)
    torch.testing.assert_close(gain, torch.full_like(gain, 2.0))
    expected = torch.tensor([0.25, 0.2, 0.15]).view(1, 3, 1, 1).expand(1, 3, 4, 4)
    torch.testing.assert_close(out, expected)


def test_validation_scores_the_four_orientations_as_inference_does() -> None:
    """A turned photo is brightened as the upright one turned (as lumos.models.lumosnet)."""
    from lumos.train.archs import GlobalNet
    from lumos.train.loop import brighten

    torch.manual_seed(1)
    net = GlobalNet(16, offsets=True)
    with torch.no_grad():
        net.head.weight.normal_(0, 0.05)
    net.eval()
    proxy = torch.rand(1, 3, 48, 64) * 0.2
    turned = torch.rot90(proxy, 1, dims=(2, 3))
    with torch.no_grad():
        upright = brighten(net, proxy, rotations=4)
        back = torch.rot90(brighten(net, turned, rotations=4), -1, dims=(2, 3))
        one_way = torch.rot90(brighten(net, turned), -1, dims=(2, 3))
    assert torch.allclose(upright, back, atol=1e-5)
    assert not torch.allclose(brighten(net, proxy), one_way, atol=1e-3)
