"""The shapes and colours that give the synthetic classes their looks."""
SHAPES = ('circle', 'square', 'triangle', 'diamond', 'hexagon', 'cross')
COLOURS = (('red', (230, 40, 40)), ('green', (40, 200, 60)), ('blue', (50, 90, 235)),
           ('yellow', (235, 210, 40)), ('magenta', (210, 50, 210)), ('cyan', (40, 210, 210)),
           ('orange', (245, 140, 30)), ('purple', (130, 60, 200)))
MAX_CLASSES = len(SHAPES) * len(COLOURS)
