"""Kill a training run again and again (kill -9, SIGINT, SIGTERM at random moments), resume it
each time, and check that it ends bit for bit like an uninterrupted run.

    python3 benchmarks/kill_resume.py --kills 20 -- char-rnn --m 16 --n-updates 3000 \
        --checkpoint-every 100 --sample-every 1000

kill -9 cannot save anything: the run resumes from its last periodic state (or starts again if
it had none); SIGINT/SIGTERM save the state at the current update. Prints one line of figures.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from tinygrad_dl import checkpoint


def train(args: list[str]) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "tinygrad_dl.cli", "train", *args, "--no-progress"]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("train_args", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    targs = [x for x in a.train_args if x != "--"]
    rnd = random.Random(a.seed)
    root = Path(tempfile.mkdtemp(prefix="kill-resume-"))
    ref, out = root / "ref", root / "cut"
    t0 = time.perf_counter()
    assert train([*targs, "--out", str(ref)]).wait() == 0
    whole_s = time.perf_counter() - t0
    sigs = [signal.SIGKILL, signal.SIGINT, signal.SIGTERM]
    counts = {s.name: 0 for s in sigs}
    tracebacks = restarts = saved = early = 0
    proc = train([*targs, "--out", str(out)])
    while True:
        try:
            proc.wait(timeout=rnd.uniform(0.5, whole_s / 3))
        except subprocess.TimeoutExpired:
            if sum(counts.values()) < a.kills:
                sig = sigs[sum(counts.values()) % 3]
                proc.send_signal(sig)
                _, err = proc.communicate()
                # while Python is still starting up (imports), a signal acts as for any program:
                # -15 / -2 / a KeyboardInterrupt during import (rc 1); nothing was written yet
                if proc.returncode not in (0, 130, -9, -15, -2, 1):
                    raise SystemExit(f"rc {proc.returncode} after {sig.name}: {err}") from None
                saved += "resume with:" in err
                early += proc.returncode in (-15, -2, 1)
                tracebacks += "Traceback" in err
                if proc.returncode != 0:
                    counts[sig.name] += 1
                    if (root / ".cut.partial" / "train_state.npz").exists():
                        proc = train([targs[0], "--resume", str(out)])
                    else:  # killed before its first state: nothing to resume
                        restarts += 1
                        proc = train([*targs, "--out", str(out)])
                    continue
            else:
                proc.wait()
        if proc.returncode == 0:
            break
        raise SystemExit(f"run failed: rc {proc.returncode}: {proc.stderr.read()}")
    same_hist = (ref / "history.json").read_text() == (out / "history.json").read_text()
    (_, wa), (_, wb) = checkpoint.read(ref / "model.npz"), checkpoint.read(out / "model.npz")
    same_w = wa.keys() == wb.keys() and all(np.array_equal(wa[k], wb[k]) for k in wa)
    print(json.dumps({"kills": counts, "saved_on_signal": saved, "during_startup": early,
                      "restarts_from_scratch": restarts,
                      "tracebacks": tracebacks, "bit_exact_weights": same_w,
                      "identical_history": same_hist,
                      "hidden_files_in_out": sorted(p.name for p in out.iterdir()
                                                    if p.name.startswith(".")),
                      "leftovers": sorted(
                          p.name for p in root.iterdir() if p.name not in ("ref", "cut"))}))
    return 0 if same_w and same_hist else 1


if __name__ == "__main__":
    raise SystemExit(main())
