#!/usr/bin/env python3
"""Reference for `npm run bench:fit`: Chinchilla Approach 3 with scipy.optimize L-BFGS-B.

Same objective as libs/scaling-laws (SUM over runs of Huber_delta(LSE(a - alpha*ln N, b - beta*ln D, e) - ln L),
delta = 1e-3, analytic gradient) over the paper's full 4,500-point initialisation grid, keeping the lowest
objective among results with success=True. Prints one JSON object per tolerance mode.

Usage: scipy_reference.py RUNS.csv [--drop-top-loss K] [--modes default,tight]
"""
import os

# Multithreaded BLAS makes each tiny L-BFGS-B iteration ~90x slower (science.md section 3): pin to one
# thread before numpy is imported.
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[var] = "1"

import argparse  # noqa: E402
import csv  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
from scipy.optimize import minimize  # noqa: E402

DELTA = 1e-3
MODES = {
    # scipy's defaults: ftol is relative to max(|f|, 1), i.e. absolute here (f ~ 1e-3).
    "default": {},
    # Tolerances matching libs/scaling-laws (max |grad| <= 1e-10; ftol too small to stop first).
    "tight": {"ftol": 1e-15, "gtol": 1e-10, "maxiter": 15000},
}


def load(path, drop_top_loss):
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    n = np.array([float(r["Model Size"]) for r in rows])
    c = np.array([float(r["Training FLOP"]) for r in rows])
    loss = np.array([float(r["loss"]) for r in rows])
    keep = np.ones(len(rows), dtype=bool)
    if drop_top_loss:
        keep[np.argsort(-loss, kind="stable")[:drop_top_loss]] = False
    n, c, loss = n[keep], c[keep], loss[keep]
    return np.log(n), np.log(c / (6 * n)), np.log(loss)


def objective_and_gradient(x, log_n, log_d, log_l):
    a, b, e, alpha, beta = x
    u = np.stack([a - alpha * log_n, b - beta * log_d, np.full_like(log_n, e)])
    top = u.max(axis=0)
    p = np.exp(u - top)
    s = p.sum(axis=0)
    r = top + np.log(s) - log_l
    small = np.abs(r) <= DELTA
    f = np.where(small, 0.5 * r * r, DELTA * (np.abs(r) - 0.5 * DELTA)).sum()
    dh = np.where(small, r, DELTA * np.sign(r))
    q = dh * p / s
    grad = np.array([q[0].sum(), q[1].sum(), q[2].sum(), -(q[0] * log_n).sum(), -(q[1] * log_d).sum()])
    return f, grad


def grid():
    alphas = betas = np.arange(0, 2.01, 0.5)
    es = np.arange(-1, 1.01, 0.5)
    abs_ = np.arange(0, 25.01, 5)
    return [np.array([a, b, e, al, be]) for al, be, e, a, b in itertools.product(alphas, betas, es, abs_, abs_)]


def fit(data, options):
    best = None
    iterations = []
    successes = 0
    for x0 in grid():
        res = minimize(objective_and_gradient, x0, args=data, jac=True, method="L-BFGS-B", options=options)
        iterations.append(res.nit)
        if res.success:
            successes += 1
            if best is None or res.fun < best.fun:
                best = res
    return best, successes, int(np.median(iterations))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("runs")
    parser.add_argument("--drop-top-loss", type=int, default=0)
    parser.add_argument("--modes", default="default,tight")
    args = parser.parse_args()
    data = load(args.runs, args.drop_top_loss)
    for mode in args.modes.split(","):
        started = time.perf_counter()
        cpu_started = time.process_time()
        best, successes, median_iterations = fit(data, MODES[mode])
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        a, b, e, alpha, beta = best.x
        print(json.dumps({
            "mode": mode, "seconds": seconds, "cpuSeconds": cpu_seconds, "objective": best.fun, "starts": 4500, "successes": successes,
            "medianIterations": median_iterations, "runs": int(len(data[0])), "scipy": scipy.__version__, "numpy": np.__version__,
            "params": {"E": float(np.exp(e)), "A": float(np.exp(a)), "B": float(np.exp(b)), "alpha": float(alpha), "beta": float(beta)},
            "a": float(beta / (alpha + beta)),
        }), flush=True)


if __name__ == "__main__":
    main()
