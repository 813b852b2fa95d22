import { createDDiT, type DDiT } from './ddit';
import { type DDiTConfig, type ResolvedDDiTConfig, resolveDDiTConfig } from './ddit-config';
import { dditLayout } from './ddit-layout';
import type { NetworkOptions } from './denoising-network';
import { type ParameterSpec, parameterLayout } from './parameter-layout';
import { createTransformer, type Transformer } from './transformer';
import {
  type ResolvedTransformerConfig,
  resolveConfig,
  sameArchitecture,
  type TransformerConfig,
} from './transformer-config';

/** The architectures a checkpoint can hold, tagged by `arch`: the md4 transformer or MDLM's DDiT. */
export type NetworkConfig = ResolvedTransformerConfig | ResolvedDDiTConfig;

/** Either network (both implement `Denoiser` and `DenoisingNetwork`). */
export type Network = Transformer | DDiT;

/** The architecture names, in the order `md4 train --arch` lists them. */
export const ARCHITECTURES = ['md4', 'ddit'] as const;
/** One of ARCHITECTURES: 'md4' (this package's transformer) or 'ddit' (MDLM's DDiT). */
export type Architecture = (typeof ARCHITECTURES)[number];

/**
 * Validates a stored or user-given architecture and fills its defaults. A config without `arch` is
 * an md4 transformer (checkpoints written before DDiT existed).
 */
export function resolveNetworkConfig(config: TransformerConfig | DDiTConfig): NetworkConfig {
  if (config == null || typeof config !== 'object') throw new TypeError('model config must be an object');
  const arch = config.arch ?? 'md4';
  switch (arch) {
    case 'md4':
      return resolveConfig(config as TransformerConfig);
    case 'ddit':
      return resolveDDiTConfig(config as DDiTConfig);
    default:
      throw new RangeError(
        `model config: unknown arch ${JSON.stringify(arch)}; expected one of ${ARCHITECTURES.join(', ')}`,
      );
  }
}

/** The parameter layout of either architecture. */
export function networkLayout(config: NetworkConfig): ParameterSpec[] {
  switch (config.arch) {
    case 'md4':
      return parameterLayout(config);
    case 'ddit':
      return dditLayout(config);
  }
}

/** Builds the network a config describes, from `weights` or a seed. */
export function createNetwork(config: NetworkConfig, options: NetworkOptions = {}): Network {
  switch (config.arch) {
    case 'md4':
      return createTransformer(config, options);
    case 'ddit':
      return createDDiT(config, options);
  }
}

/** Number of parameters of either architecture (by its layout). */
export function countNetworkParameters(config: NetworkConfig): number {
  return networkLayout(config).reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * Each field whose value differs between configs `a` and `b` (compared as JSON), other than
 * `ignored`, as `<field>: <nameA> <value in a>, <nameB> <value in b>`.
 */
export function configDifferences(
  a: NetworkConfig,
  b: NetworkConfig,
  names: [string, string],
  ignored: ReadonlySet<string> = new Set(),
): string[] {
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  return Object.keys({ ...x, ...y })
    .filter((k) => !ignored.has(k) && JSON.stringify(x[k]) !== JSON.stringify(y[k]))
    .map((k) => `${k}: ${names[0]} ${JSON.stringify(x[k])}, ${names[1]} ${JSON.stringify(y[k])}`);
}

/** The fields that differ between two architectures (empty when weights are interchangeable). */
export function architectureDifferences(found: NetworkConfig, expected: NetworkConfig): string[] {
  if (found.arch !== expected.arch) return [`arch: checkpoint "${found.arch}", expected "${expected.arch}"`];
  if (found.arch === 'md4' && expected.arch === 'md4' && sameArchitecture(found, expected)) return [];
  return configDifferences(
    found,
    expected,
    ['checkpoint', 'expected'],
    new Set(['image', 'seqLen', 'dropout']),
  );
}
