import { totalmem } from 'node:os';
import { MAX_TRAINING_BYTES } from '@md4/models';
import { describe, expect, it } from 'vitest';
import { UsageError } from './cli-errors';
import { machineMemoryBytes, trainingMemoryLimit, USABLE_MEMORY_SHARE } from './machine-memory';

describe('the memory a training step may use', () => {
  it("is wasm's 4 GiB heap on wasm, whatever MD4_MEMORY_BYTES says", () => {
    expect(trainingMemoryLimit('wasm', { MD4_MEMORY_BYTES: '1000' })).toEqual({
      bytes: MAX_TRAINING_BYTES,
      name: 'of the wasm heap',
    });
  });

  it("is a share of the machine's (or container's) memory on native and cpu", () => {
    const machine = machineMemoryBytes();
    expect(machine).toBeGreaterThan(0);
    expect(machine).toBeLessThanOrEqual(totalmem());
    for (const backend of ['native', 'cpu']) {
      const limit = trainingMemoryLimit(backend, {});
      expect(limit.bytes).toBe(Math.floor(USABLE_MEMORY_SHARE * machine));
      expect(limit.name).toMatch(/^a step may use here \(85% of this machine's [\d.]+ GiB\)$/);
    }
  });

  it('is MD4_MEMORY_BYTES when set, and a bad value is one clear usage error', () => {
    expect(trainingMemoryLimit('native', { MD4_MEMORY_BYTES: '67108864' })).toEqual({
      bytes: 67108864,
      name: 'that MD4_MEMORY_BYTES allows',
    });
    for (const bad of ['lots', '-5', '0']) {
      expect(() => trainingMemoryLimit('native', { MD4_MEMORY_BYTES: bad })).toThrow(UsageError);
      expect(() => trainingMemoryLimit('native', { MD4_MEMORY_BYTES: bad })).toThrow(
        `MD4_MEMORY_BYTES must be a positive number of bytes (got "${bad}")`,
      );
    }
  });
});
