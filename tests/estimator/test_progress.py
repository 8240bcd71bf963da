"""``verbose=2``: a tqdm bar on a terminal (a real pseudo-terminal here), the epoch lines of
``verbose=1`` anywhere else (piped, redirected, captured), where a bar never moves."""
import fcntl
import io
import os
import pty
import re
import struct
import sys
import termios
import threading

from tfgraph_dnn import DNNClassifier
from tfgraph_dnn.training.hooks import ProgressBar, on_terminal

from _support import sabotage_hook

FIT = dict(n_hidden=1, n_neurons=16, batch_size=8, random_state=0)  # 50 batches per epoch


def epoch_lines(text, n_epochs):
    return re.findall(rf"^epoch (\d)/{n_epochs}\s+loss \d+\.\d{{4}}\s+accuracy", text,
                      flags=re.MULTILINE)


def test_not_on_a_terminal_prints_the_lines_of_verbose_1(small_digits, capsys):
    X, y = small_digits
    DNNClassifier(**FIT, n_epochs=4, verbose=2, early_stopping=True, patience=1,
                  callbacks=[sabotage_hook(3)]).fit(X, y)
    captured = capsys.readouterr()
    assert epoch_lines(captured.out, 4) == ["1", "2", "3"]
    # ... with verbose=1's closing line, and no bar (tqdm's "\r" redraws, "batch" units).
    assert captured.out.splitlines()[-1].startswith("early stopping after epoch 3")
    assert "\r" not in captured.out + captured.err and "batch" not in captured.out + captured.err


def test_not_on_a_terminal_an_epoch_is_not_cut_into_runs():
    """Without a bar to advance, the loop runs the epoch's steps in one ``session.run``."""
    bar = ProgressBar(400, stream=io.StringIO())
    assert bar.steps_per_run(500) == 5  # before train begin: as for a bar
    bar.on_train_begin(state=None)
    assert bar.live is False and bar.steps_per_run(500) == 500
    assert not on_terminal(io.StringIO())


class Terminal:
    """A pseudo-terminal standing in for ``sys.stdout``; :meth:`close` returns what it got."""

    def __init__(self):
        self.master, slave = pty.openpty()
        # 24 x 80, as a terminal window has (a new one is 0 x 0: tqdm would draw nothing).
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.stream = os.fdopen(slave, "w", encoding="utf-8")
        self.chunks = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # the slave side closed
                return
            if not chunk:
                return
            self.chunks.append(chunk)

    def close(self):
        self.stream.close()
        self.reader.join(timeout=10)
        os.close(self.master)
        return b"".join(self.chunks).decode("utf-8", "replace")


def test_on_a_terminal_draws_a_bar(small_digits, monkeypatch):
    X, y = small_digits
    terminal = Terminal()
    try:
        assert on_terminal(terminal.stream)
        monkeypatch.setattr(sys, "stdout", terminal.stream)
        DNNClassifier(**FIT, n_epochs=2, verbose=2).fit(X, y)
        terminal.stream.flush()
    finally:
        monkeypatch.undo()
        shown = terminal.close()
    assert re.search(r"epoch 1/2: +\d+%\|.*\| *\d+/50 \[", shown), shown  # tqdm, same stream
    assert epoch_lines(shown.replace("\r", "\n"), 2) == ["1", "2"]


def test_a_closed_stream_is_no_terminal():
    class Closed(io.StringIO):
        def isatty(self):
            raise ValueError("I/O operation on closed file")

    assert not on_terminal(Closed())
