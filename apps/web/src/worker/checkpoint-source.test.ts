import { readdirSync, readFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readCheckpoint } from './checkpoint-source';

const DEMO = new URL('../../public/checkpoints/demo/', import.meta.url);
const weightsName = readdirSync(DEMO).find((f) => f.endsWith('.safetensors'))!;
const config = readFileSync(new URL('config.json', DEMO));
const weights = readFileSync(new URL(weightsName, DEMO));

const file = (name: string, bytes: Uint8Array) => ({
  name,
  bytes: Uint8Array.from(bytes).buffer as ArrayBuffer,
});

describe('readCheckpoint from local files', () => {
  it('reads config.json + the weights file it names, in any order', async () => {
    const { checkpoint, name } = await readCheckpoint({
      files: [file(weightsName, weights), file('config.json', config)],
    });
    expect(checkpoint.config.tokenizer).toBe('text8');
    expect(checkpoint.config.model.vocabSize).toBe(27);
    expect(name).toBe(`${weightsName} + config.json`);
  });

  it('reads a .zip of the checkpoint folder, recognised by name or by its signature', async () => {
    const zip = zipSync({ 'md4-checkpoint/config.json': config, [`md4-checkpoint/${weightsName}`]: weights });
    for (const name of ['md4-checkpoint.zip', 'download']) {
      const { checkpoint } = await readCheckpoint({ files: [file(name, zip)] });
      expect(checkpoint.config.model.layers).toBeGreaterThan(0);
    }
  });

  it('says what is missing: config.json, or the weights file', async () => {
    await expect(readCheckpoint({ files: [file(weightsName, weights)] })).rejects.toThrow(
      /no config\.json among weights-.*: a checkpoint is a folder holding config\.json/,
    );
    await expect(readCheckpoint({ files: [file('config.json', config)] })).rejects.toThrow(
      /the weights file "weights-[0-9a-f]+\.safetensors" named in config\.json is missing/,
    );
    await expect(readCheckpoint({ files: [file('broken.zip', new Uint8Array([1, 2, 3]))] })).rejects.toThrow(
      /broken\.zip is not a readable \.zip file/,
    );
    await expect(
      readCheckpoint({ files: [file('config.json', new TextEncoder().encode('{ nope'))] }),
    ).rejects.toThrow(/config\.json is not valid JSON/);
  });

  it("passes on @md4/models' check of the weights (a flipped byte fails the CRC-32)", async () => {
    const bad = Uint8Array.from(weights);
    bad[bad.length - 3]! ^= 1;
    await expect(
      readCheckpoint({ files: [file('config.json', config), file(weightsName, bad)] }),
    ).rejects.toThrow(/CRC-32/);
  });
});
