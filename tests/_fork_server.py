"""Fork server: imports TensorFlow once, then forks one child process per request.

The server of :class:`_fork_client.ForkServer` (its client): real processes for the tests whose
subject is a process (SIGKILL, RLIMIT_FSIZE, concurrent writers, a TensorBoard, a fresh
interpreter) without TensorFlow's import (seconds) per process.  No Session or graph exists
in this process when it forks: every child starts its own.

``--preload tfgraph_dnn`` (the default) imports tfgraph_dnn and what the tasks use;
``--preload tensorflow`` imports NumPy and TensorFlow only, for children that must start
as a plain TensorFlow process would (no tfgraph_dnn module imported; no tasks then).

Protocol: one JSON object per line on stdin, one reply per line on stdout.
  {"cmd": "fork", "log": path, "env": {...}, "group": bool, and either
   "code": source, "argv": [...]   (run as ``python -c source *argv`` would)
   or "task": name, "args": {...}, (one of the TASKS below)        -> {"pid": pid}
   and optionally "cwd": dir, "stdin": path, "stdout": path (else /dev/null and the log)}
  {"cmd": "fork_and_kill", ... as fork with a task, "plan": {...}}  -> forks, SIGKILLs the
      child as planned (see fork_and_kill), reaps it and replies with the timings
  {"cmd": "poll", "pid": pid}                    -> how it ended, or null while it runs
  {"cmd": "wait", "pid": pid, "timeout": s}      -> the same, waiting up to s seconds
  {"cmd": "exited", "pid": pid}  -> whether it ended, without reaping it (its group id stays)
  {"cmd": "exit"}
"How it ended" is {"signal": n or null, "exit": n or null}.
"""
import argparse, glob, json, os, re, shutil, signal, sys, time, traceback
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
started = time.monotonic()
parser = argparse.ArgumentParser(description="Fork one child process per request.")
parser.add_argument("--preload", choices=("tfgraph_dnn", "tensorflow"), default="tfgraph_dnn")
PRELOAD = parser.parse_args().preload
import numpy as np  # noqa: E402  (everything the children use is imported up front)
import tensorflow  # noqa: F401,E402
if PRELOAD == "tfgraph_dnn":
    import sklearn.datasets  # noqa: F401
    from tfgraph_dnn import DNNClassifier
    import tfgraph_dnn.estimator._persistence  # noqa: F401
    import tfgraph_dnn.storage  # noqa: F401
    import tfgraph_dnn.training  # noqa: F401

# -- the kill harness's tasks (tests/_kill_harness.py) ------------------------------------
TASKS = {}

def task(function):
    TASKS[function.__name__] = function
    return function

def load(path):
    with np.load(path) as arrays:
        return arrays["X"], arrays["y"], arrays["probe"]

def write_array(path, array):
    tmp = path + ".part.npy"
    np.save(tmp, array)
    os.replace(tmp, path)

def die():
    os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(60)

@task
def kill_trial(data, ckpt_dir, model_dir, preds_dir, phase_file, params, max_seconds):
    """Fit with a checkpoint per epoch and save(); then warm-start one epoch and save()
    again, over and over, until killed.  Before each save the model's probabilities
    are written to preds_dir/<epochs>.npy, so any version found later can be checked."""
    child_started = time.monotonic()
    X, y, probe = load(data)
    clf = DNNClassifier(**params, checkpoint_dir=ckpt_dir)
    clf.fit(X, y)
    write_array(os.path.join(preds_dir, f"{clf.n_epochs_}.npy"), clf.predict_proba(probe))
    clf.save(model_dir)
    with open(phase_file + ".part", "w") as handle:
        json.dump({"started": child_started, "phase_a_done": time.monotonic()}, handle)
    os.replace(phase_file + ".part", phase_file)
    clf.set_params(warm_start=True, n_epochs=1, checkpoint_dir=None)
    while time.monotonic() - child_started < max_seconds:
        clf.fit(X, y)
        write_array(os.path.join(preds_dir, f"{clf.n_epochs_}.npy"),
                    clf.predict_proba(probe))
        clf.save(model_dir)

def arm(point):
    """SIGKILL this process at one chosen moment inside save()."""
    if point == "json_half_written":
        real_dump = json.dump

        def dump(obj, handle, *args, **kwargs):
            if str(getattr(handle, "name", "")).endswith("estimator.json"):
                text = json.dumps(obj)
                handle.write(text[:len(text) // 2])
                handle.flush()
                os.fsync(handle.fileno())
                die()
            return real_dump(obj, handle, *args, **kwargs)
        json.dump = dump
    elif point == "before_rename":
        real_rename = os.rename

        def rename(src, dst, *args, **kwargs):
            if re.match(r"save-\d{6}$", os.path.basename(os.fspath(dst))):
                die()
            return real_rename(src, dst, *args, **kwargs)
        os.rename = rename
    elif point == "before_latest_replace":
        real_replace = os.replace

        def replace(src, dst, *args, **kwargs):
            if os.path.basename(os.fspath(dst)) == "latest":
                die()
            return real_replace(src, dst, *args, **kwargs)
        os.replace = replace
    elif point == "during_cleanup":
        real_rmtree = shutil.rmtree

        def rmtree(path, *args, **kwargs):
            if re.match(r"save-\d{6}$", os.path.basename(os.fspath(path))):
                os.unlink(os.path.join(path, "model.ckpt.index"))  # half deleted
                die()
            return real_rmtree(path, *args, **kwargs)
        shutil.rmtree = rmtree
    else:
        raise ValueError(point)

@task
def save_with_kill(data, model_dir, preds_path, params, point):
    X, y, probe = load(data)
    clf = DNNClassifier(**params).fit(X, y)
    np.save(preds_path, clf.predict_proba(probe))
    arm(point)
    clf.save(model_dir)
    raise SystemExit("the injected SIGKILL did not happen")

@task
def predict_after_fit(data, out_dir, configs):
    X, y, probe = load(data)
    for name, params in configs.items():
        np.save(os.path.join(out_dir, name + ".npy"),
                DNNClassifier(**params).fit(X, y).predict_proba(probe))

# -- the server ------------------------------------------------------------------------------
def run_child(message):
    """In the forked child: run the message's task or code, its output to its log (or
    stdout to ``message["stdout"]``, a FIFO say, and stdin from ``message["stdin"]``)."""
    if message.get("group"):
        os.setpgid(0, 0)
    written = os.O_WRONLY | os.O_CREAT | os.O_APPEND
    for fd, path, flags in ((0, message.get("stdin") or os.devnull, os.O_RDONLY),
                            (1, message.get("stdout") or message["log"], written),
                            (2, message["log"], written)):
        os.dup2(os.open(path, flags, 0o644), fd)
    # fresh streams: nothing the server read ahead or buffered is the child's
    sys.stdin = open(0, "r", closefd=False)
    sys.stdout = open(1, "w", buffering=1, closefd=False)
    sys.stderr = open(2, "w", buffering=1, closefd=False)
    os.environ.update(message.get("env") or {})
    code = 0
    try:
        if message.get("cwd"):
            os.chdir(message["cwd"])
        if "task" in message:
            if PRELOAD != "tfgraph_dnn":
                raise RuntimeError("the tasks need the server started with --preload "
                                   f"tfgraph_dnn, not {PRELOAD}")
            TASKS[message["task"]](**message["args"])
        else:
            sys.argv = ["-c"] + message["argv"]
            exec(compile(message["code"], "<forked child>", "exec"), {"__name__": "__main__"})
    except SystemExit as stop:  # as python would: an int, None, or a message and 1
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        if not isinstance(stop.code, (int, type(None))):
            print(stop.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)

def fork(message):
    pid = os.fork()
    if pid == 0:
        run_child(message)
    if message.get("group"):  # here too: a group of its own before the pid is answered
        os.setpgid(pid, pid)
    return pid

def reply(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()

def status(raw):
    return {"signal": os.WTERMSIG(raw) if os.WIFSIGNALED(raw) else None,
            "exit": os.WEXITSTATUS(raw) if os.WIFEXITED(raw) else None}

def fork_and_kill(pid, plan):
    """SIGKILL child ``pid`` at ``plan['fraction']`` x ``span`` seconds after
    ``plan['anchor']`` appears (its first checkpoint), ``span`` being ``plan['span']``,
    or, with ``plan['phase_file']``, the time from the anchor to the end of training,
    the kill then coming that fraction of it after training.  Timed here, in an idle
    single-threaded process, to within a few milliseconds."""
    forked = time.monotonic()

    def wait_for(path):
        while not glob.glob(path):  # a path, or a pattern (a fit's fit-*/latest)
            done, raw = os.waitpid(pid, os.WNOHANG)
            if done:
                raise ChildProcessError(f"the child ended before {path}: {status(raw)}")
            if time.monotonic() - forked > plan["timeout"]:
                raise TimeoutError(f"{path} did not appear in {plan['timeout']}s")
            time.sleep(0.001)
        return time.monotonic()

    try:
        first = wait_for(plan["anchor"])
        span = plan.get("span")
        if plan.get("phase_file"):
            wait_for(plan["phase_file"])
            with open(plan["phase_file"]) as handle:
                trained = json.load(handle)["phase_a_done"]
            span = trained - first
            kill_at = trained + plan["fraction"] * span
        else:
            kill_at = first + plan["fraction"] * span
        time.sleep(max(0.0, kill_at - time.monotonic()))
        error = None
    except (ChildProcessError, TimeoutError) as problem:
        first = span = None
        error = str(problem)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:  # already ended (and reaped by waitpid above)
        return {"error": error or "the child vanished"}
    killed_at = time.monotonic()
    _, raw = os.waitpid(pid, 0)
    return {"pid": pid, "error": error, "forked": forked, "first": first,
            "killed_at": killed_at, "span": span, "status": status(raw)}

reply({"ready": True, "import_seconds": time.monotonic() - started})
children, ended = set(), {}
for line in sys.stdin:
    message = json.loads(line)
    if message["cmd"] == "fork":
        pid = fork(message)
        children.add(pid)
        reply({"pid": pid})
    elif message["cmd"] == "fork_and_kill":  # reaped here: never among the children
        reply(fork_and_kill(fork(message), message["plan"]))
    elif message["cmd"] in ("poll", "wait"):
        pid, deadline = message["pid"], time.monotonic() + message.get("timeout", 0)
        while pid not in ended:  # asked again after it ended: the same answer
            done, raw = os.waitpid(pid, os.WNOHANG)
            if done:
                ended[pid] = status(raw)
                children.discard(pid)
            elif message["cmd"] == "poll" or time.monotonic() > deadline:
                break
            else:
                time.sleep(0.005)
        reply(ended.get(pid))
    elif message["cmd"] == "exited":  # without reaping it: its process group id stays
        pid = message["pid"]
        reply(pid in ended or os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG
                                        | os.WNOWAIT) is not None)
    elif message["cmd"] == "exit":
        break
for pid in children:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except OSError:
        pass
sys.stdout.flush()
os._exit(0)  # nothing to clean up: skip TensorFlow's slow interpreter teardown
