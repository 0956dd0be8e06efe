from .avs_visualization_hook import AVSVisualizationHook

__all__ = ['AVSVisualizationHook']
