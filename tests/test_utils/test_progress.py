"""Progress: a bar on a terminal, at most one line per tenth in a log."""
import io

from mmseg_avs.utils import Progress


class Terminal(io.StringIO):

    def isatty(self) -> bool:
        return True


def test_a_log_gets_one_line_per_tenth_not_one_per_step():
    log = io.StringIO()  # not a terminal, as a redirected log
    bar = Progress(250, 'frames', file=log)
    for _ in range(250):
        bar.update()
    bar.close()
    lines = log.getvalue().splitlines()
    assert lines == [f'frames: {25 * k}/250 ({10 * k}%)' for k in range(1, 11)]


def test_a_log_of_unknown_length_gets_nothing():
    log = io.StringIO()
    bar = Progress(0, 'frames', file=log)
    for _ in range(50):
        bar.update()
    assert log.getvalue() == ''


def test_a_terminal_gets_a_bar():
    term = Terminal()
    bar = Progress(4, 'clips', file=term)
    for _ in range(4):
        bar.update()
    bar.close()
    assert 'clips' in term.getvalue() and '4/4' in term.getvalue()
