from .inferencer import (DEMO_WORK_DIR, AVSInferencer, DemoModelMissingError,
                         find_demo_checkpoint)

__all__ = ['AVSInferencer', 'DEMO_WORK_DIR', 'DemoModelMissingError', 'find_demo_checkpoint']
