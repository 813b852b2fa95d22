#!/usr/bin/python3
"""PyTorch (CPU) matmul GFLOP/s at the shapes of native-bench, for a side-by-side ratio.

Reads a JSON list of {name, a, b, transposeA, transposeB} on stdin; prints one JSON object
{gflops: {name: GFLOP/s, ...}} (float32) plus torch's thread count. With a fourth argument 'bf16',
also bf16Gflops: the product of bfloat16 tensors (converted before timing), which torch hands to
oneDNN's matmul on CPUs with bf16 instructions: the plain oneDNN rate our bf16 products are held
to. Run with Debian's torch on OpenBLAS:
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 torch-matmul.py 2 full bf16
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
    bf16 = len(sys.argv) > 3 and sys.argv[3] == 'bf16'
    torch.set_num_threads(threads)
    shapes = json.load(sys.stdin)
    out = {}
    out_bf16 = {}
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
            flops = 2 * batch * m * n * k
            min_ms, rounds = (100.0, 2) if quick else (300.0, 3)
            ms = best_ms(lambda: torch.matmul(x, y), min_ms, rounds)
            out[s['name']] = round(flops / (ms * 1e6), 1)
            if bf16:
                xb, yb = x.bfloat16(), y.bfloat16()
                ms = best_ms(lambda: torch.matmul(xb, yb), min_ms, rounds)
                out_bf16[s['name']] = round(flops / (ms * 1e6), 1)
    result = {'gflops': out, 'threads': torch.get_num_threads(), 'torch': torch.__version__}
    if bf16:
        result['bf16Gflops'] = out_bf16
    print(json.dumps(result))


main()
