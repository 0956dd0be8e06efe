from .avs_report_hook import AVSReportHook
from .avs_visualization_hook import AVSVisualizationHook
from .non_finite_loss_hook import NonFiniteLossHook
from .rng_state_hook import RNGStateHook

__all__ = ['AVSReportHook', 'AVSVisualizationHook', 'NonFiniteLossHook', 'RNGStateHook']
