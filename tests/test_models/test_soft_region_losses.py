"""SoftDiceLoss and SoftIoULoss against a naive per-image, per-class computation."""
import pytest
import torch

from mmseg.registry import MODELS

LOSSES = [('dice', 'SoftDiceLoss'), ('iou', 'SoftIoULoss')]


def naive(logits, target, kind, use_sigmoid=False, ignore=255, smooth=1.0):
    """Loop over images and classes; ignored pixels dropped; fully ignored images skipped.

    Per image: the mean score over the classes present among its annotated pixels (softmax),
    or the foreground score whether or not foreground is present (sigmoid).
    """
    per_image = []
    for n in range(logits.shape[0]):
        keep = target[n] != ignore
        if not keep.any():
            continue
        if use_sigmoid:
            pairs = [(logits[n, 0].sigmoid(), (target[n] == 1).float())]
        else:
            sm = logits[n].softmax(0)
            pairs = [(sm[c], (target[n] == c).float()) for c in range(logits.shape[1])
                     if (target[n][keep] == c).any()]
        scores = []
        for p, t in pairs:
            p, t = p[keep], t[keep]
            inter, ps, ts = (p * t).sum(), p.sum(), t.sum()
            if kind == 'dice':
                scores.append((2 * inter + smooth) / (ps + ts + smooth))
            else:
                scores.append((inter + smooth) / (ps + ts - inter + smooth))
        per_image.append(sum(scores) / len(scores))
    return 1 - sum(per_image) / len(per_image)


@pytest.mark.parametrize('kind,loss_type', LOSSES)
@pytest.mark.parametrize('use_sigmoid,channels', [(False, 2), (False, 4), (True, 1)])
def test_matches_naive(kind, loss_type, use_sigmoid, channels):
    torch.manual_seed(0)
    logits = torch.randn(4, channels, 6, 7, requires_grad=True)
    num_labels = 2 if use_sigmoid else channels
    target = torch.randint(0, num_labels, (4, 6, 7))
    target[0, :2] = 255                 # some ignored pixels
    target[1] = 0                       # one class only (a silent frame if binary)
    target[1, 0, :3] = 255
    target[2] = 255                     # a frame without ground truth (skipped)
    loss = MODELS.build(dict(type=loss_type, use_sigmoid=use_sigmoid, loss_weight=2.0))
    ours = loss(logits, target)
    torch.testing.assert_close(ours, 2.0 * naive(logits, target, kind, use_sigmoid))
    ours.backward()
    assert logits.grad[2].abs().sum() == 0      # the unannotated frame gets no gradient
    assert logits.grad[0].abs().sum() > 0 and logits.grad[1].abs().sum() > 0


def test_perfect_prediction_gives_zero_loss_and_all_ignored_gives_zero():
    target = torch.zeros(1, 4, 4, dtype=torch.long)
    target[0, 1:3, 1:3] = 1
    logits = torch.stack([(target[0] == 0).float(), (target[0] == 1).float()])[None] * 50
    for loss_type in ('SoftDiceLoss', 'SoftIoULoss'):
        loss = MODELS.build(dict(type=loss_type))
        assert loss(logits, target).item() < 1e-6
        assert loss(logits, torch.full_like(target, 255)).item() == 0
        with pytest.raises(ValueError):
            MODELS.build(dict(type=loss_type, smooth=0.0))


@pytest.mark.parametrize('kind,loss_type', LOSSES)
def test_present_class_gradient_does_not_shrink_with_num_classes(kind, loss_type):
    """AVSS has 71 classes: the two present ones must train as in a 2-class problem."""
    torch.manual_seed(0)
    present = torch.randn(2, 2, 8, 8)
    target = torch.randint(0, 2, (2, 8, 8))
    target[0, :2] = 255
    channels = (3, 50)                   # where the present classes sit among the 71
    many = torch.full((2, 71, 8, 8), -30.0)  # absent classes: probability ~1e-13
    many[:, channels] = present
    many_target = torch.tensor(channels)[target.clamp(max=1)].where(target != 255, target)
    loss = MODELS.build(dict(type=loss_type))
    grads = []
    for logits, labels in ((present, target), (many, many_target)):
        logits = logits.clone().requires_grad_()
        loss(logits, labels).backward()
        grads.append(logits.grad)
    assert grads[0].abs().amax() > 1e-4
    torch.testing.assert_close(grads[1][:, channels], grads[0], rtol=1e-4, atol=1e-9)


@pytest.mark.parametrize('kind,loss_type', LOSSES)
@pytest.mark.parametrize('use_sigmoid', [False, True])
def test_silent_binary_frame_pushes_the_foreground_down(kind, loss_type, use_sigmoid):
    """Target all background: the loss falls with the predicted foreground, down to ~0."""
    loss = MODELS.build(dict(type=loss_type, use_sigmoid=use_sigmoid))
    target = torch.zeros(1, 8, 8, dtype=torch.long)
    values, grads = [], []
    for fg_logit in (-1.0, -2.0, -4.0, -8.0):
        fg = torch.full((1, 1, 8, 8), fg_logit, requires_grad=True)
        logits = fg if use_sigmoid else torch.cat([torch.zeros_like(fg), fg], dim=1)
        value = loss(logits, target)
        value.backward()
        values.append(value.item())
        grads.append(fg.grad)
    assert all(a > b for a, b in zip(values, values[1:])), values
    assert values[-1] < 0.05, values             # a right silent prediction costs ~nothing
    assert all((g > 0).all() for g in grads)      # gradient descent lowers the foreground
    assert grads[0].sum() > 1e-3, grads[0].sum()  # ... by a usable step


@pytest.mark.parametrize('kind,loss_type', LOSSES)
@pytest.mark.parametrize('use_sigmoid,channels', [(False, 3), (True, 1)])
def test_ignore_index_keyword_overrides_the_constructor(kind, loss_type, use_sigmoid,
                                                        channels):
    """MMSeg's decode head calls ``loss(seg_logits, seg_label, weight=None,
    ignore_index=self.ignore_index)``."""
    torch.manual_seed(0)
    logits = torch.randn(2, channels, 6, 7)
    target = torch.randint(0, 2, (2, 6, 7))
    target[0, :3] = 255
    loss = MODELS.build(dict(type=loss_type, use_sigmoid=use_sigmoid, ignore_index=7))
    expected = naive(logits, target, kind, use_sigmoid, ignore=255)
    torch.testing.assert_close(loss(logits, target, weight=None, ignore_index=255), expected)
    # Without the keyword, the constructor's value applies.
    torch.testing.assert_close(loss(logits, target.masked_fill(target == 255, 7)), expected)
