"""Run loaders on hostile files in a child process with bounded memory and time.

The child caps its address space a little above what it uses after importing
nncore, then loads every file and prints one line per file: the outcome (the
exception type, or ``ok``), the seconds it took and how far its peak memory
grew.  A crash, or an allocation the cap refuses, shows in the report instead of
taking the test process down.
"""
import json
import os
import subprocess
import sys

CHILD = r"""
import json, pickle, resource, sys, time
import nncore

def vm_size():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0

extra = int(sys.argv[2])
if sys.argv[1] == "onnx":
    import onnx  # its import is not a file's memory
if extra and sys.platform.startswith("linux"):
    cap = vm_size() + extra
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
loader = {"pickle": nncore.load_legacy_pickle, "npz": nncore.load,
          "onnx": nncore.load_onnx}[sys.argv[1]]
for path in sys.argv[3:]:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    try:
        loader(path)
        outcome, message = "ok", ""
    except BaseException as exc:
        outcome, message = type(exc).__name__, str(exc)
    grew = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
    print(json.dumps([path, outcome, time.perf_counter() - start, grew, message[:300]]),
          flush=True)
"""


def load_all(kind, paths, extra_memory=512 << 20, timeout=120):
    """{path: (outcome, seconds, bytes of peak growth, message)} for 'pickle', 'npz', 'onnx'.

    Raises AssertionError naming the file being read if the child dies.
    """
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    res = subprocess.run([sys.executable, "-c", CHILD, kind, str(extra_memory), *map(str, paths)],
                         capture_output=True, text=True, timeout=timeout, env=env, cwd="/")
    report = {}
    for line in res.stdout.splitlines():
        path, outcome, seconds, grew, message = json.loads(line)
        report[path] = (outcome, seconds, grew, message)
    if res.returncode != 0 or len(report) != len(paths):
        unread = [p for p in map(str, paths) if p not in report]
        raise AssertionError(f"the child died (exit {res.returncode}) reading "
                             f"{unread[:1]}: {res.stderr[-1500:]}")
    return report
