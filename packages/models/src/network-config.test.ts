import { describe, expect, it } from 'vitest';
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
    const owt = resolveNetworkConfig({
      arch: 'ddit',
      vocabSize: 50257,
      seqLen: 1024,
      layers: 12,
      dModel: 768,
      heads: 12,
      condDim: 128,
    });
    expect(countNetworkParameters(owt)).toBe(169_627_218 - 769);
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
