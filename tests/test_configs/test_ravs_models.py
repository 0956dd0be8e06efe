"""Models of configs/ravs/ built without weight files (one per backbone family, at reduced
depth where the full depth only costs time), tools/analysis/count_params.py, and how the
configs' pretrained weight files load."""
import copy
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS

from mmseg_avs.analysis import parameter_count
from tests.test_tools.test_model_converters import mit2mmseg, official_shapes, random_state
from tests.tool_loader import load_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RAVS = osp.join(REPO, 'configs', 'ravs')

count_params_tool = load_tool('tools/analysis/count_params.py')


def model_cfg(name: str, **visual):
    """The config's model with pretrained files switched off and ``visual`` overrides."""
    cfg = copy.deepcopy(Config.fromfile(osp.join(RAVS, name)).model)
    parameter_count.disable_pretrained(cfg)
    cfg.backbone.visual.update(visual)
    return cfg


def assert_ama_stages(model, heads):
    assert sorted(model.backbone.fusions) == ['0', '1', '2', '3']
    # stage 4 keeps the Baseline's cross-attention, 64 channels per head
    last = model.backbone.fusions['3']
    assert type(last).__name__ == 'AudioVisualCrossAttention'
    assert last.num_heads == model.backbone.channels[3] // 64
    for stage, (groups, num_heads) in enumerate(zip((14, 7, 5), heads)):
        block = model.backbone.fusions[str(stage)]
        assert type(block).__name__ == 'SoundGuidedSemanticMerging'
        assert (block.num_groups, block.cross_attn.num_heads) == (groups, num_heads)


def test_mit_b5_htsat_ravs_on_avss():
    """MiT family (MiT-B5 and PVT-v2-B5 share the module), HTS-AT, 71 classes."""
    model = MODELS.build(model_cfg('ravs_mitb5-htsat_avss.py', num_layers=[1, 1, 1, 1]))
    assert model.backbone.channels == [64, 128, 320, 512] == model.decode_head.in_channels
    assert_ama_stages(model, heads=(1, 2, 5))
    assert type(model.decode_head).__name__ == 'UncertaintyHead'
    assert model.decode_head.num_classes == 71 and model.decode_head.fusion == 'attenuate'
    assert type(model.contrastive_loss).__name__ == 'AudioGuidedContrastiveLoss'
    assert type(model.audio_encoder).__name__ == 'HTSAT' and model.freeze_audio_encoder
    assert not any(p.requires_grad for p in model.audio_encoder.parameters())
    assert model.backbone.fusions['0'].cross_attn.audio_proj.in_features == 768


def test_vpo_audio_encoders_take_three_seconds_of_audio():
    """VPO pairs one image with 3 s: VGGish gets three examples joined in time, HTS-AT 301
    log-mel frames; both give one token set and one embedding per image."""
    vggish = MODELS.build(model_cfg('ravs_mitb5_vpo-ms.py').audio_encoder).eval()
    tokens, embedding = vggish(torch.randn(2, 1, 288, 64))
    assert tokens.shape == (2, 72, 128) and embedding.shape == (2, 128)
    htsat = MODELS.build(model_cfg('ravs_mitb5-htsat_vpo-msmi.py').audio_encoder).eval()
    tokens, embedding = htsat(torch.randn(1, 1, 301, 64))
    assert tokens.shape == (1, 64, 768) and embedding.shape == (1, 768)


def test_swin_b_ravs():
    model = MODELS.build(model_cfg('ravs_swinb_ms3.py', depths=[2, 2, 2, 2]))
    assert type(model.backbone.visual).__name__ == 'SwinTransformer'
    assert model.backbone.channels == [128, 256, 512, 1024] == model.decode_head.in_channels
    assert_ama_stages(model, heads=(2, 4, 8))  # 64 channels per head, as with MiT


def test_table3_baseline_and_gtf():
    model = MODELS.build(model_cfg('ablations/gtf_mitb5-htsat_ms3.py', num_layers=[1, 1, 1, 1]))
    assert model.backbone.gt_token_filter and model.contrastive_loss is None
    assert sorted(model.backbone.fusions) == ['0', '1', '2', '3']
    assert {type(m).__name__ for m in model.backbone.fusions.values()} == {
        'AudioVisualCrossAttention'}
    assert type(model.decode_head).__name__ == 'SegformerHead'


def test_resnet50_ravs_and_its_parameter_table():
    """Full ResNet-50 + VGGish; count_params' table of it."""
    model = parameter_count.build_model(osp.join(RAVS, 'ravs_r50_ms3.py'))
    assert type(model.backbone.visual).__name__ == 'ResNet'
    assert model.backbone.channels == [256, 512, 1024, 2048] == model.decode_head.in_channels
    assert_ama_stages(model, heads=(4, 8, 16))
    counts = parameter_count.count_parts(model)
    parts = list(parameter_count.PARTS) + [parameter_count.OTHER]
    assert sum(counts[p][0] for p in parts) == counts['total'][0]
    assert counts['visual backbone'] == (23_508_032, 0)  # torchvision ResNet-50 without fc
    # VGGish's published weights are frozen; its token projection (512 -> 128) trains
    assert counts['audio encoder'][0] - counts['audio encoder'][1] == 512 * 128 + 128
    table = parameter_count.markdown_table([('ravs_r50_ms3', counts)]).splitlines()
    assert table[0] == ('| config | visual backbone | audio encoder | fusion / AMA | '
                        'decode head | other | total | trainable | frozen |')
    assert table[2].startswith('| ravs_r50_ms3 | 23.51M | 72.21M (72.14M frozen) | ')


def test_ddeseg_frame_model():
    """Stride-2 stem (stages at 1/2 ... 1/16), AMA at stages 2-4 (1/4, 1/8, 1/16), the
    Baseline's fusion at stage 1, every fusion before the blocks through a 768 -> 3072 -> D_l
    MLP, a 768-wide UE head with one sigmoid channel on a binary data set."""
    model = MODELS.build(model_cfg('ravs_mitb5-htsat_ms3_ddeseg-frame.py',
                                   num_layers=[1, 1, 1, 1]))
    backbone = model.backbone
    assert backbone.fusion_position == 'before' and backbone.ama_stages == (1, 2, 3)
    stem = backbone.visual.layers[0][0].projection
    assert (stem.kernel_size, stem.stride, stem.padding) == ((7, 7), (2, 2), (3, 3))
    assert type(backbone.fusions['0']).__name__ == 'AudioVisualCrossAttention'
    for stage, (groups, heads) in enumerate(zip((14, 7, 5), (2, 5, 8)), 1):
        block = backbone.fusions[str(stage)]
        assert type(block).__name__ == 'SoundGuidedSemanticMerging'
        assert (block.num_groups, block.cross_attn.num_heads) == (groups, heads)
    for stage, channels in enumerate(backbone.channels):
        fusion = backbone.fusions[str(stage)]
        proj = getattr(fusion, 'cross_attn', fusion).audio_proj
        assert [tuple(p.shape) for p in proj.parameters()] == [
            (3072, 768), (3072, ), (channels, 3072), (channels, )]
    with torch.no_grad():
        feats = backbone.eval()(torch.randn(1, 3, 64, 64), torch.randn(1, 4, 768)).feats
    assert [f.shape[-1] for f in feats] == [32, 16, 8, 4]
    head = model.decode_head
    assert (head.channels, head.out_channels, head.num_classes, head.threshold) == (768, 1, 2, 0.5)
    assert [(type(loss).__name__, loss.loss_weight) for loss in head.loss_decode] == [
        ('CrossEntropyLoss', 5.0), ('SoftDiceLoss', 5.0), ('SoftIoULoss', 2.0)]
    assert all(loss.use_sigmoid for loss in head.loss_decode)


@pytest.mark.parametrize('name', ['ravs_mitb5_ms3_ddeseg-frame.py',
                                  'ravs_pvtv2b5_ms3_ddeseg-frame.py'])
def test_stride_two_stem_loads_the_published_weights_strictly(tmp_path, name):
    """SegFormer / PVT-v2 naming -> the converter -> the frame config's strict Pretrained
    load: the stride-2 stem keeps every published key and shape."""
    official = _official_b5_width_file(tmp_path / 'official.pth')
    converted = mit2mmseg.convert(official)
    torch.save(dict(state_dict=converted), tmp_path / 'converted.pth')
    model = _small_pretrained_model(name, tmp_path / 'converted.pth')
    model.backbone.init_weights()
    loaded = model.backbone.visual.state_dict()
    assert loaded.keys() == converted.keys()
    assert all(torch.equal(loaded[k], v) for k, v in converted.items())
    assert model.backbone.visual.layers[0][0].projection.stride == (2, 2)


def test_ddeseg_frame_parameters_module_by_module():
    """The MiT-B5 + HTS-AT frame config on VPO (22 classes) against DDESeg's model, whose
    trainable parameters (103,838,938: the paper's 103.84 M) are computed here from the
    shapes of its modules (YenanLiu/DDESeg): MiT-B5, per-stage audio MLPs, AV aligners,
    audio token enhancer, a 768-wide SegFormer decoder. The first two and the decoder are
    ours too; the aligners and the enhancer are not in the RAVS paper; AMA, the UE head's
    temporal layer and evidence branch are RAVS's."""
    model = parameter_count.build_model(osp.join(RAVS, 'ravs_mitb5-htsat_vpo-ms_ddeseg-frame.py'))
    counts = parameter_count.count_parts(model, ['audio_proj', 'temporal', 'conv_evidence'])
    widths, audio, embed, classes = (64, 128, 320, 512), 768, 768, 22
    mit_b5 = sum(math.prod(shape) for key, shape in official_shapes(64, (3, 6, 40, 3)).items()
                 if not key.startswith('head.'))
    audio_mlps = sum(audio * 4 * audio + 4 * audio + 4 * audio * c + c for c in widths)
    aligners = sum(8 * c * c + 10 * c + 1 for c in widths)  # 2 attentions, fc, LN, 5 centres
    enhancer = 6 * audio * audio + 4 * audio                # 6 linears, 4 with a bias
    decoder = (sum(c * embed + embed for c in widths) + 4 * embed * embed + 2 * embed
               + embed * classes + classes)               # linear_c1-4, fuse + BN, pred
    ddeseg = mit_b5 + audio_mlps + aligners + enhancer + decoder
    assert ddeseg == 103_838_938

    assert counts['visual backbone'] == (mit_b5, 0)
    assert counts['audio_proj'] == (audio_mlps, 0)
    temporal, evidence = counts['temporal'][0], counts['conv_evidence'][0]
    # our decoder is DDESeg's but for a BN (2 x 768 per level) where it has a bias (768)
    assert counts['decode head'][0] - temporal - evidence == decoder + 4 * embed
    ama_and_stage1 = counts['fusion / AMA'][0] - audio_mlps   # without their audio MLPs
    trainable = counts['total'][0] - counts['total'][1]
    assert trainable == (ddeseg - aligners - enhancer + ama_and_stage1 + temporal + evidence
                         + 4 * embed)
    assert (round(trainable / 1e6, 2), round(ama_and_stage1 / 1e6, 2),
            round(temporal / 1e6, 2)) == (108.85, 6.90, 4.73)


def test_count_params_cli_prints_one_row_per_config(capsys):
    tiny = osp.join(REPO, 'configs', 'synthetic')
    table = count_params_tool.main([osp.join(tiny, 'baseline_mit-tiny_synthetic-ms3.py'),
                                    osp.join(tiny, 'ravs_mit-tiny_synthetic-ms3.py')])
    assert capsys.readouterr().out.strip() == table
    rows = table.splitlines()[2:]
    assert [r.split(' | ')[0] for r in rows] == ['| baseline_mit-tiny_synthetic-ms3',
                                                 '| ravs_mit-tiny_synthetic-ms3']
    # --match: a column with the parameters whose name contains the string
    matched = count_params_tool.main([osp.join(tiny, 'ravs_mit-tiny_synthetic-ms3.py'),
                                      '--match', 'conv_evidence']).splitlines()
    assert matched[0].endswith('| frozen | `*conv_evidence*` |')
    assert matched[2].endswith('| 0.00M |')  # 64 channels x 2 classes + 2 biases


# -- pretrained weight files ---------------------------------------------------------------

def _official_b5_width_file(path, depths=(1, 1, 1, 1)):
    """An official-format (SegFormer / PVT-v2 naming) checkpoint with B5's widths."""
    official = random_state(official_shapes(64, depths))
    torch.save(official, path)
    return official


def _small_pretrained_model(name, checkpoint):
    """The config's model at depth 1 per stage, with a small audio encoder (the visual
    weights are under test) and the visual weights read from ``checkpoint``."""
    cfg = model_cfg(name, num_layers=[1, 1, 1, 1])
    cfg.backbone.visual.init_cfg = dict(type='Pretrained', checkpoint=str(checkpoint))
    cfg.audio_encoder = dict(type='TinyAudioEncoder', channels=(16, 32, 64, 128))
    return MODELS.build(cfg)


def test_converted_weights_reach_the_visual_backbone_through_the_config(tmp_path):
    """PVT-v2 naming -> pvtv2_to_mmseg_avs / mit2mmseg_avs -> the config's Pretrained init."""
    official = _official_b5_width_file(tmp_path / 'pvt_v2_b5.pth')
    converted = mit2mmseg.convert(official)
    torch.save(dict(state_dict=converted), tmp_path / 'pvt_v2_b5_mmseg.pth')
    model = _small_pretrained_model('ravs_pvtv2b5_ms3.py', tmp_path / 'pvt_v2_b5_mmseg.pth')
    model.backbone.init_weights()
    loaded = model.backbone.visual.state_dict()
    assert loaded.keys() == converted.keys()
    assert all(torch.equal(loaded[k], v) for k, v in converted.items())


def test_training_from_scratch_is_an_explicit_override():
    cfg = Config.fromfile(osp.join(RAVS, 'ravs_mitb5_ms3.py'))
    cfg.merge_from_dict({'model.backbone.visual.init_cfg': None,
                         'model.audio_encoder.pretrained': None,
                         'model.backbone.visual.num_layers': [1, 1, 1, 1]})
    model = MODELS.build(cfg.model)
    model.backbone.init_weights()  # no weight file needed, none read
    assert model.audio_encoder.pretrained is None


def test_missing_weight_file_is_an_error_saying_where_it_comes_from(tmp_path):
    missing = tmp_path / 'mit_b5_mmseg.pth'
    model = _small_pretrained_model('ravs_mitb5_ms3.py', missing)
    with pytest.raises((FileNotFoundError, ValueError, RuntimeError)) as info:
        model.init_weights()
    message = str(info.value)
    assert str(missing) in message
    assert 'tools/model_converters' in message or 'Pretrained weights' in message


def test_unconverted_weight_file_is_an_error_naming_it(tmp_path):
    """The official mit_b5.pth given directly, without the converter: no key matches."""
    unconverted = tmp_path / 'mit_b5.pth'
    _official_b5_width_file(unconverted)
    model = _small_pretrained_model('ravs_mitb5_ms3.py', unconverted)
    with pytest.raises((ValueError, RuntimeError)) as info:
        model.init_weights()
    assert str(unconverted) in str(info.value)
