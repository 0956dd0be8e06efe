"""Analysis and benchmark code behind the command lines of ``tools/analysis/`` and
``tools/synthetic_demo.py``.

It sits above the rest of the package: it may import :mod:`mmseg_avs.datasets`,
:mod:`mmseg_avs.evaluation`, :mod:`mmseg_avs.models` and :mod:`mmseg_avs.utils`, and none of
them imports it. Nothing is imported here: import the module you need (the grouping
benchmark's worker processes keep their memory baseline small that way).

Per-checkpoint analyses (``group_separation.py``, ``score_by_region.py``):
    :mod:`.checkpoint_loop` (command line, checkpoint loop, report files),
    :mod:`.rank_auc`, :mod:`.group_separation`, :mod:`.score_by_region`.
Baseline vs RAVS benchmark (``benchmark.py``, ``bench_grouping.py``):
    :mod:`.benchmark_models` (models and random inputs), :mod:`.speed_benchmark`,
    :mod:`.naive_metric` and :mod:`.metric_benchmark`, :mod:`.grouping_benchmark`,
    :mod:`.complexity_benchmark`, :mod:`.benchmark_report`.
Synthetic ablations (``run_synthetic_benchmark.py``):
    :mod:`.synthetic_experiments`, :mod:`.synthetic_summary`, :mod:`.synthetic_report`,
    :mod:`.synthetic_reference`, with :mod:`.reference_predictors` (also ``synthetic_demo.py``)
    and :mod:`.audio_probe`.
Parameter counts (``count_params.py``): :mod:`.parameter_count`.
"""
