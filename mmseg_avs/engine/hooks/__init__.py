from .avs_visualization_hook import AVSVisualizationHook
from .non_finite_loss_hook import NonFiniteLossHook
from .rng_state_hook import RNGStateHook

__all__ = ['AVSVisualizationHook', 'NonFiniteLossHook', 'RNGStateHook']
