from .uncertainty_head import UncertaintyHead

__all__ = ['UncertaintyHead']
