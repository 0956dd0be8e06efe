"""SoftDiceLoss and SoftIoULoss against a naive per-image, per-class computation."""
import pytest
import torch

from mmseg.registry import MODELS


def naive(logits, target, kind, use_sigmoid=False, ignore=255, smooth=1e-5):
    """Loop over images and classes; ignored pixels dropped; fully ignored images skipped."""
    scores = []
    for n in range(logits.shape[0]):
        keep = target[n] != ignore
        if not keep.any():
            continue
        if use_sigmoid:
            probs = [logits[n, 0].sigmoid()]
            truths = [(target[n] == 1).float()]
        else:
            sm = logits[n].softmax(0)
            probs = [sm[c] for c in range(logits.shape[1])]
            truths = [(target[n] == c).float() for c in range(logits.shape[1])]
        for p, t in zip(probs, truths):
            p, t = p[keep], t[keep]
            inter, ps, ts = (p * t).sum(), p.sum(), t.sum()
            if kind == 'dice':
                scores.append((2 * inter + smooth) / (ps + ts + smooth))
            else:
                scores.append((inter + smooth) / (ps + ts - inter + smooth))
    return 1 - torch.stack(scores).mean()


@pytest.mark.parametrize('kind,loss_type', [('dice', 'SoftDiceLoss'), ('iou', 'SoftIoULoss')])
@pytest.mark.parametrize('use_sigmoid,channels', [(False, 2), (False, 4), (True, 1)])
def test_matches_naive(kind, loss_type, use_sigmoid, channels):
    torch.manual_seed(0)
    logits = torch.randn(3, channels, 6, 7, requires_grad=True)
    num_labels = 2 if use_sigmoid else channels
    target = torch.randint(0, num_labels, (3, 6, 7))
    target[0, :2] = 255                 # some ignored pixels
    target[2] = 255                     # a frame without ground truth (skipped)
    loss = MODELS.build(dict(type=loss_type, use_sigmoid=use_sigmoid, loss_weight=2.0))
    ours = loss(logits, target)
    torch.testing.assert_close(ours, 2.0 * naive(logits, target, kind, use_sigmoid))
    ours.backward()
    assert logits.grad[2].abs().sum() == 0      # the unannotated frame gets no gradient
    assert logits.grad[0].abs().sum() > 0


def test_perfect_prediction_gives_zero_loss_and_all_ignored_gives_zero():
    target = torch.zeros(1, 4, 4, dtype=torch.long)
    target[0, 1:3, 1:3] = 1
    logits = torch.stack([(target[0] == 0).float(), (target[0] == 1).float()])[None] * 50
    for loss_type in ('SoftDiceLoss', 'SoftIoULoss'):
        loss = MODELS.build(dict(type=loss_type))
        assert loss(logits, target).item() < 1e-6
        assert loss(logits, torch.full_like(target, 255)).item() == 0
