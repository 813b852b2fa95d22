import { describe, expect, it } from 'vitest';
import { dditParameterCount, MDLM_OWT, type ResolvedDDiTConfig } from './ddit-config';
import {
  architectureDifferences,
  countNetworkParameters,
  createNetwork,
  networkLayout,
  resolveNetworkConfig,
} from './network-config';
import { countParameters } from './parameter-count';

const md4 = { vocabSize: 27, seqLen: 16, layers: 2, dModel: 32, heads: 2 };
const ddit = { arch: 'ddit' as const, ...md4, condDim: 8 };

describe('network configs', () => {
  it('a config without arch is an md4 transformer (checkpoints written before DDiT)', () => {
    expect(resolveNetworkConfig(md4).arch).toBe('md4');
    expect(resolveNetworkConfig(ddit)).toMatchObject({
      arch: 'ddit',
      mlpHidden: 128,
      noiseEps: 1e-3,
      timeConditioned: true,
    });
    expect(() => resolveNetworkConfig({ ...md4, arch: 'gpt' as never })).toThrow(
      /unknown arch "gpt"; expected one of md4, ddit/,
    );
  });

  it('parameter counts: md4 by its closed form; DDiT by MDLM formula', () => {
    expect(countNetworkParameters(resolveNetworkConfig(md4))).toBe(countParameters(md4));
    // MDLM's DIT at mdlm-owt's shape, minus the output layer's mask row (768 + 1 values): 169,627,218 - 769
    const owt = resolveNetworkConfig(MDLM_OWT);
    expect(countNetworkParameters(owt)).toBe(169_627_218 - 769);
    expect(dditParameterCount(owt as ResolvedDDiTConfig)).toBe(169_627_218 - 769);
  });

  it('refuses, before allocating, a config too large for any backend here (a corrupted config.json)', () => {
    expect(() => resolveNetworkConfig({ ...md4, layers: 1e9 })).toThrow(
      /transformer config: 1\.658e\+13 parameters .* exceed the 1,073,741,824 a tfjs backend here can hold/,
    );
    expect(() => resolveNetworkConfig({ ...ddit, layers: 100_000, dModel: 1024 })).toThrow(
      /ddit config: .* parameters/,
    );
    expect(() => resolveNetworkConfig({ ...ddit, vocabSize: 2 ** 29 })).toThrow(/exceed/);
  });

  it('builds either network from its config, and names what differs between two', () => {
    for (const c of [resolveNetworkConfig(md4), resolveNetworkConfig(ddit)]) {
      const net = createNetwork(c, { seed: 1 });
      expect(net.config.arch).toBe(c.arch);
      expect(net.layout).toEqual(networkLayout(c));
      net.dispose();
    }
    expect(architectureDifferences(resolveNetworkConfig(md4), resolveNetworkConfig(ddit))).toEqual([
      'arch: checkpoint "md4", expected "ddit"',
    ]);
    expect(
      architectureDifferences(resolveNetworkConfig(ddit), resolveNetworkConfig({ ...ddit, seqLen: 64 })),
    ).toEqual([]);
    expect(
      architectureDifferences(resolveNetworkConfig(ddit), resolveNetworkConfig({ ...ddit, condDim: 16 })),
    ).toEqual(['condDim: checkpoint 8, expected 16']);
  });
});
