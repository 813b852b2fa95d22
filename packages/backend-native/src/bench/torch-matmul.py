#!/usr/bin/python3
"""PyTorch (CPU) float32 matmul GFLOP/s at the shapes of native-bench, for a side-by-side ratio.

Reads a JSON list of {name, a, b, transposeA, transposeB} on stdin; prints one JSON object
{name: GFLOP/s, ...} plus torch's thread count and BLAS. Run with Debian's torch on OpenBLAS:
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 torch-matmul.py
"""
import json
import sys
import time

import torch


def best_ms(f, min_ms=300.0, rounds=3):
    f()
    best = float('inf')
    for _ in range(rounds):
        reps, t0 = 0, time.perf_counter()
        while True:
            f()
            reps += 1
            elapsed = (time.perf_counter() - t0) * 1e3
            if elapsed >= min_ms:
                break
        best = min(best, elapsed / reps)
    return best


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    quick = len(sys.argv) > 2 and sys.argv[2] == 'quick'
    torch.set_num_threads(threads)
    shapes = json.load(sys.stdin)
    out = {}
    with torch.inference_mode():
        for s in shapes:
            a = torch.randn(*s['a'])
            b = torch.randn(*s['b'])
            x = a.transpose(-1, -2) if s['transposeA'] else a
            y = b.transpose(-1, -2) if s['transposeB'] else b
            m, k = x.shape[-2], x.shape[-1]
            n = y.shape[-1]
            batch = 1
            for d in x.shape[:-2]:
                batch *= d
            ms = best_ms(lambda: torch.matmul(x, y), 100.0 if quick else 300.0, 2 if quick else 3)
            out[s['name']] = round(2 * batch * m * n * k / (ms * 1e6), 1)
    print(json.dumps({'gflops': out, 'threads': torch.get_num_threads(), 'torch': torch.__version__}))


main()
