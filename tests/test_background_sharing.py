"""The suite's background processes (``tests/_background.py``) run once per run, whichever
pytest-xdist workers need them: two ``Background`` objects of one key (one per worker)
start one process, and both read its output and exit code."""
import sys

import pytest

import _background
from _background import Background

pytestmark = pytest.mark.slow  # they start (short) processes

SCRIPT = ("import os, sys, time; time.sleep(0.5); print(os.getpid()); "
          "sys.stderr.write('done'); sys.exit(3)")


def test_two_workers_share_one_process(tmp_path, monkeypatch):
    monkeypatch.setattr(_background, "_ROOT", str(tmp_path))
    first, second = Background("shared"), Background("shared")  # as on two workers
    for job in (first, second):
        job.command = [sys.executable, "-c", SCRIPT]
    first.start()
    second.start()
    assert first.proc is not None and second.proc is None  # only the first one started it
    assert second.running() and _background._running_anywhere() == 1
    seen_by_second, seen_by_first = second.result(timeout=60), first.result(timeout=60)
    assert seen_by_second.returncode == seen_by_first.returncode == 3
    assert seen_by_second.stdout == seen_by_first.stdout == f"{first.proc.pid}\n"
    assert seen_by_second.stderr == "done"
    assert seen_by_second.args == first.proc.args
    assert not second.running() and _background._running_anywhere() == 0


def test_a_process_nobody_started_is_started_by_the_first_reader(tmp_path, monkeypatch):
    monkeypatch.setattr(_background, "_ROOT", str(tmp_path))
    job = Background("late")
    job.command = [sys.executable, "-c", "print('ran')"]
    job.files["input.txt"] = "x"
    assert not job.running()
    assert job.result(timeout=60).stdout == "ran\n"
    assert (tmp_path / "late" / "work" / "input.txt").read_text() == "x"


def test_a_process_that_failed_to_start_ends_for_every_reader(tmp_path, monkeypatch):
    monkeypatch.setattr(_background, "_ROOT", str(tmp_path))
    first, second = Background("broken"), Background("broken")
    for job in (first, second):
        job.command = [sys.executable, "-c", "print('never')"]
        job.trees["data"] = str(tmp_path / "missing")  # copying it fails
    with pytest.raises(FileNotFoundError):
        first.start()
    seen = second.result(timeout=60)  # at once: no wait for a process that never started
    assert seen.returncode == -1 and "FileNotFoundError" in seen.stderr
