"""Progress of a long loop that does not flood a log."""
import sys
from typing import Optional, TextIO

from tqdm import tqdm


class Progress:
    """A progress bar on a terminal; where the output is not a terminal (a redirected log),
    one line at each tenth of the work instead of one per step.

    Args:
        total (int): Number of steps; 0 if unknown (a log then gets no lines).
        desc (str): What is counted, e.g. ``'frames'``.
        file (TextIO, optional): Where to write. Defaults to ``sys.stderr``, as tqdm does.
    """

    def __init__(self, total: int, desc: str = '', file: Optional[TextIO] = None) -> None:
        self.total, self.desc, self.count = total, desc, 0
        self.file = file or sys.stderr
        self.bar = (tqdm(total=total or None, desc=desc, file=self.file)
                    if self.file.isatty() else None)
        self._next_tenth = 1

    def update(self, steps: int = 1) -> None:
        """Count ``steps`` more steps."""
        self.count += steps
        if self.bar is not None:
            self.bar.update(steps)
            return
        while self.total and self.count * 10 >= self._next_tenth * self.total:
            print(f'{self.desc}: {self.count}/{self.total} '
                  f'({10 * self._next_tenth}%)', file=self.file, flush=True)
            self._next_tenth += 1

    def close(self) -> None:
        """End the bar (a no-op in a log)."""
        if self.bar is not None:
            self.bar.close()
