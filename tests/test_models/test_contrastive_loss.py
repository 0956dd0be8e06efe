"""AudioGuidedContrastiveLoss equals eq. 9 computed by hand, and stays finite when a frame
has no positive or no negative."""
import math

import torch
from mmseg.registry import MODELS


def build(**kwargs):
    return MODELS.build(dict(type='AudioGuidedContrastiveLoss', **kwargs))


def test_hand_computed_case():
    # audio along x; groups at angles 0, 60, 120 and 180 degrees: cos = 1, .5, -.5, -1
    audio = torch.tensor([[1.0, 0.0]])
    angles = torch.tensor([0.0, 60.0, 120.0, 180.0]) * math.pi / 180
    groups = torch.stack([angles.cos(), angles.sin()], -1)[None] * 3.0  # norm does not matter
    out = build(loss_weight=1.0)(groups, audio)
    # positives A > 0: {1, .5}; negatives: {-.5, -1}; tau = 0.1
    pos = math.exp(10) + math.exp(5)
    expected = -math.log(pos / (pos + math.exp(-5) + math.exp(-10)))
    assert abs(out['loss_cst'].item() - expected) < 1e-6
    assert out['cst_valid_frac'].item() == 1.0


def test_threshold_and_weight_and_mean_over_frames():
    torch.manual_seed(0)
    groups, audio = torch.randn(4, 6, 8), torch.randn(4, 8)
    loss = build(loss_weight=0.1, threshold=0.7, scale=3.0, temperature=0.2)
    out = loss(groups, audio)
    total = 0.0
    for n in range(4):
        a = torch.nn.functional.normalize(audio[n], dim=0)
        sims = [float(a @ torch.nn.functional.normalize(g, dim=0)) for g in groups[n]]
        resp = [1 / (1 + math.exp(-3.0 * s)) for s in sims]
        pos = [math.exp(s / 0.2) for s, r in zip(sims, resp) if r > 0.7]
        neg = [math.exp(s / 0.2) for s, r in zip(sims, resp) if r < 0.7]
        if pos and neg:
            total += -math.log(sum(pos) / (sum(pos) + sum(neg)))
    assert abs(out['loss_cst'].item() - 0.1 * total / 4) < 1e-5


def test_frames_without_positives_or_negatives_contribute_zero_with_finite_gradients():
    audio = torch.tensor([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]])
    groups = torch.tensor([[[1.0, 0.2], [1.0, -0.3]],      # all positive
                           [[-1.0, 0.2], [-1.0, 0.5]],     # all negative
                           [[1.0, 0.3], [-1.0, 0.4]]],     # one of each
                          requires_grad=True)
    out = build(loss_weight=1.0)(groups, audio)
    a_pos, a_neg = 1 / math.sqrt(1.09), -1 / math.sqrt(1.16)
    expected = -math.log(math.exp(10 * a_pos) / (math.exp(10 * a_pos) + math.exp(10 * a_neg))) / 3
    assert abs(out['loss_cst'].item() - expected) < 1e-6
    assert abs(out['cst_valid_frac'].item() - 1 / 3) < 1e-6
    out['loss_cst'].backward()
    assert torch.isfinite(groups.grad).all()
    assert groups.grad[:2].abs().sum() == 0 and groups.grad[2].abs().sum() > 0


def test_empty_groups_are_ignored():
    audio = torch.tensor([[1.0, 0.0]])
    groups = torch.tensor([[[1.0, 0.0], [0.0, 0.0], [-1.0, 0.0]]])  # group 1 is empty
    valid = torch.tensor([[True, False, True]])
    out = build(loss_weight=1.0)(groups, audio, valid)
    expected = -math.log(math.exp(10) / (math.exp(10) + math.exp(-10)))
    assert abs(out['loss_cst'].item() - expected) < 1e-6
