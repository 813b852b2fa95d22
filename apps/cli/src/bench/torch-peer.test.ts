import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BENCH_CONFIGS, parseBenchOptions } from './bench-options';
import { locatePeer, PEER_PYTHON, parsePeerOutput, peerArgs, runPeer } from './torch-peer';

describe('torch peer plumbing', () => {
  it('passes the peer exactly our config (torch_md4.py flags)', () => {
    const o = { trainSteps: 10, trainWarmup: 3, sampleSteps: 256, sampleBatch: 4, generations: 1 };
    expect(peerArgs(BENCH_CONFIGS['small-cpu']!, 'train', o, 2)).toEqual([
      '--layers=4',
      '--dim=256',
      '--heads=4',
      '--seq=256',
      '--vocab=27',
      '--threads=2',
      '--batch=16',
      '--steps=10',
      '--warmup=3',
    ]);
    const s = peerArgs(BENCH_CONFIGS.tiny!, 'sample', o, 2);
    expect(s).toContain('--mode=sample');
    expect(s).toContain('--batch=4');
    expect(s).toContain('--sample-steps=256');
    expect(s).toContain('--layers=2');
    expect(s).not.toContain('--no-time');
    // the quick start's network ignores t: so does the peer's
    expect(peerArgs(BENCH_CONFIGS.quickstart!, 'train', o, 2)).toEqual([
      '--layers=4',
      '--dim=128',
      '--heads=4',
      '--seq=128',
      '--vocab=27',
      '--threads=2',
      '--no-time',
      '--batch=48',
      '--steps=10',
      '--warmup=3',
    ]);
  });

  it('finds the JSON line among other output', () => {
    const out = 'warning: x\n{"tokens_per_sec": 12.5, "mode": "train"}\n';
    expect(parsePeerOutput(out)).toEqual({ tokens_per_sec: 12.5, mode: 'train' });
    expect(parsePeerOutput('{"other": 1}\nnot json')).toBeNull();
  });

  it('reports a missing peer as a reason, not a failure', () => {
    const r = locatePeer({ MD4_TORCH_PEER: '/nonexistent/torch_md4.py' }, null);
    expect(r).toEqual({ error: expect.stringContaining('/nonexistent/torch_md4.py missing') });
    expect(locatePeer({}, null)).toEqual({ error: expect.stringContaining('MD4_TORCH_PEER') });
  });

  it.skipIf(!existsSync(PEER_PYTHON))(
    'turns a peer that crashes (e.g. no torch) into figures: null with the reason',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'md4-peer-'));
      const script = join(dir, 'fake_peer.py');
      writeFileSync(script, 'raise ModuleNotFoundError("No module named \'torch\'")\n');
      const r = runPeer(script, [], 'Haswell', 20_000);
      expect(r.figures).toBeNull();
      expect('reason' in r && r.reason).toMatch(/No module named 'torch'/);
    },
  );

  it.skipIf(!existsSync(PEER_PYTHON))(
    "measures the peer's peak memory from outside it: a script holding 80 MB reports at least that",
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'md4-peer-'));
      const script = join(dir, 'fake_peer.py');
      writeFileSync(
        script,
        [
          'import json, sys',
          'held = bytearray(80 * 2**20)  # zero pages are touched: resident',
          'for i in range(0, len(held), 4096): held[i] = 1',
          "assert sys.argv[1:] == ['--steps=2'], sys.argv",
          "print(json.dumps({'tokens_per_sec': 5.0, 'mode': 'train', 'ms_per_step': 1.0}))",
        ].join('\n'),
      );
      const r = runPeer(script, ['--steps=2'], undefined, 20_000);
      expect(r.figures?.tokensPerSec).toBe(5);
      expect(r.figures?.peakRssMB).toBeGreaterThanOrEqual(80);
      expect(r.figures?.peakRssMB).toBeLessThan(400);
    },
  );
});

describe('bench options', () => {
  it('defaults to both configs, 10 train steps, 256 sample steps at batch 4', () => {
    const o = parseBenchOptions([], {});
    expect(o.configs.map((c) => c.name)).toEqual(['tiny', 'small-cpu']);
    expect([o.trainSteps, o.sampleSteps, o.sampleBatch, o.rounds]).toEqual([10, 256, 4, 1]);
  });

  it('times bf16 by default only where the CPU has bf16 instructions, and whenever asked', () => {
    const withBf16 = parseBenchOptions([], {}, true);
    expect([withBf16.precisions, withBf16.peerAutocasts, withBf16.bf16Skipped]).toEqual([
      ['fp32', 'bf16'],
      ['none', 'bf16'],
      null,
    ]);
    const without = parseBenchOptions([], {}, false);
    expect([without.precisions, without.peerAutocasts]).toEqual([['fp32'], ['none']]);
    expect(without.bf16Skipped).toMatch(/no bf16 instructions/);
    const asked = parseBenchOptions(['--precision', 'fp32,bf16'], {}, false);
    expect(asked.precisions).toEqual(['fp32', 'bf16']);
    expect(asked.bf16Skipped).toBeNull();
  });

  it('rejects unknown configs and flags with the usage', () => {
    expect(() => parseBenchOptions(['--configs', 'huge'], {})).toThrow(
      /unknown config "huge"; expected tiny, small-cpu/,
    );
    expect(() => parseBenchOptions(['--steps', '3'], {})).toThrow(/unknown flag --steps/);
    expect(() => parseBenchOptions(['--train-steps', '0'], {})).toThrow(/positive integer/);
  });
});
