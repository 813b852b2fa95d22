#!/usr/bin/python3
"""Where the PyTorch peer's training step spends its time: torch.profiler over a few steps of
torch_md4.py's network and loss, the ops' self time per step grouped by name and input shapes.
The counterpart of our `--profile` (the speed bench), to compare one op class with the other.

  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 \\
    apps/cli/src/bench/peer-profile.py [--layers 4 --dim 128 --heads 4 --seq 128 --batch 48
    --time --autocast none|bf16 --steps 5 --threads 2 --rows 30]

Defaults: the quick start's network (configs/quickstart.yaml) under bf16 autocast. The peer is
MD4_TORCH_PEER, else ../shared/bench/torch_md4.py beside the repo root (as the speed bench finds it).
"""
import argparse
import contextlib
import importlib.util
import os
import sys

import torch
from torch.profiler import ProfilerActivity, profile


def load_peer():
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, '..', '..', '..', '..', '..', 'shared', 'bench', 'torch_md4.py')
    path = os.environ.get('MD4_TORCH_PEER', os.path.normpath(default))
    if not os.path.exists(path):
        sys.exit(f'peer script {path} missing (set MD4_TORCH_PEER)')
    spec = importlib.util.spec_from_file_location('torch_md4', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--layers', type=int, default=4)
    ap.add_argument('--dim', type=int, default=128)
    ap.add_argument('--heads', type=int, default=4)
    ap.add_argument('--seq', type=int, default=128)
    ap.add_argument('--batch', type=int, default=48)
    ap.add_argument('--vocab', type=int, default=27)
    ap.add_argument('--time', action='store_true', help='a time-conditioned network (the quick start has none)')
    ap.add_argument('--autocast', choices=['none', 'bf16'], default='bf16')
    ap.add_argument('--steps', type=int, default=5, help='profiled steps (after 3 untimed ones)')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--rows', type=int, default=30)
    args = ap.parse_args()
    peer = load_peer()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    net = peer.MD4Transformer(args.vocab, args.dim, args.layers, args.heads, args.seq, time_cond=args.time)
    opt = torch.optim.AdamW(net.parameters(), lr=3e-4, weight_decay=0.03, foreach=True)
    data = torch.randint(0, args.vocab, (args.batch, args.seq), generator=gen)
    amp = (lambda: torch.autocast('cpu', dtype=torch.bfloat16)) if args.autocast == 'bf16' \
        else contextlib.nullcontext

    def step():
        with amp():
            loss = peer.md4_loss(net, data, gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        for _ in range(args.steps):
            step()
    print(f'{args.steps} steps; self CPU time summed over them (divide by {args.steps} for a step)')
    print(prof.key_averages(group_by_input_shape=True).table(sort_by='self_cpu_time_total', row_limit=args.rows))


main()
