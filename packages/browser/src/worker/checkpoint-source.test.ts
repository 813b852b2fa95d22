import '@tensorflow/tfjs-backend-cpu';
import { checkpointFromModel, createDDiT, createTransformer, serializeMdlm } from '@md4/models';
import { cosine } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { folderFiles, openModel } from './checkpoint-source';
import { textTokenizerFor } from './tokenizers';

/** A small text8 checkpoint, as `md4 train` writes it: config.json and the weights file it names. */
let config: Uint8Array;
let weights: Uint8Array;
let weightsName: string;

const file = (name: string, bytes: Uint8Array) => ({
  name,
  bytes: Uint8Array.from(bytes).buffer as ArrayBuffer,
});

beforeAll(async () => {
  await tf.setBackend('cpu');
  const model = createTransformer(
    { vocabSize: 27, seqLen: 16, layers: 1, dModel: 16, heads: 2 },
    { seed: 1 },
  );
  const saved = await checkpointFromModel(model, { schedule: cosine(), tokenizer: 'text8' });
  model.dispose();
  config = new TextEncoder().encode(saved.configJson);
  weights = saved.weights;
  weightsName = saved.config.weights.file;
});

/** Opens local files and disposes the model again; returns what the test looks at. */
async function open(files: Array<{ name: string; bytes: ArrayBuffer }>) {
  const before = tf.memory().numTensors;
  const { loaded, name } = await openModel({ files });
  const seen = { format: loaded.format, tokenizer: loaded.tokenizer, config: loaded.config, name };
  loaded.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return seen;
}

describe('openModel from local files (md4 checkpoints)', () => {
  it('reads config.json + the weights file it names, in any order', async () => {
    const {
      format,
      tokenizer,
      config: c,
      name,
    } = await open([file(weightsName, weights), file('config.json', config)]);
    expect(format).toBe('md4-checkpoint');
    expect(tokenizer).toBe('text8');
    expect(c.vocabSize).toBe(27);
    expect(name).toBe(`${weightsName} + config.json`);
  });

  it('reads a .zip of the checkpoint folder, recognised by name or by its signature', async () => {
    const zip = zipSync({ 'md4-checkpoint/config.json': config, [`md4-checkpoint/${weightsName}`]: weights });
    for (const name of ['md4-checkpoint.zip', 'download']) {
      const { config: c } = await open([file(name, zip)]);
      expect(c.layers).toBeGreaterThan(0);
    }
  });

  it('says what is missing: config.json, or the weights file', async () => {
    await expect(openModel({ files: [file(weightsName, weights)] })).rejects.toThrow(
      /no config\.json among weights-.*: a checkpoint is a folder holding config\.json/,
    );
    await expect(openModel({ files: [file('config.json', config)] })).rejects.toThrow(
      /the weights file "weights-[0-9a-f]+\.safetensors" named in config\.json is missing/,
    );
    await expect(openModel({ files: [file('broken.zip', new Uint8Array([1, 2, 3]))] })).rejects.toThrow(
      /broken\.zip is not a readable \.zip file/,
    );
    await expect(
      openModel({ files: [file('config.json', new TextEncoder().encode('{ nope'))] }),
    ).rejects.toThrow(/config\.json is not valid JSON/);
  });

  it("passes on @md4/models' check of the weights (a flipped byte fails the CRC-32)", async () => {
    const bad = Uint8Array.from(weights);
    bad[bad.length - 3]! ^= 1;
    await expect(openModel({ files: [file('config.json', config), file(weightsName, bad)] })).rejects.toThrow(
      /CRC-32/,
    );
  });
});

describe('openModel from local files (MDLM hub folders)', () => {
  let hub: { configJson: string; weights: Uint8Array };
  beforeAll(async () => {
    const ddit = createDDiT(
      { arch: 'ddit', vocabSize: 50257, seqLen: 16, layers: 1, dModel: 16, heads: 2, condDim: 16 },
      { seed: 1 },
    );
    hub = await serializeMdlm(ddit, { tokenizer: 'gpt2' });
    ddit.dispose();
  });
  const hubConfig = () => new TextEncoder().encode(hub.configJson);

  it('reads config.json + model.safetensors, also renamed or zipped', async () => {
    for (const files of [
      [file('model.safetensors', hub.weights), file('config.json', hubConfig())],
      [file('config.json', hubConfig()), file('mdlm-owt.safetensors', hub.weights)],
      [file('mdlm.zip', zipSync({ 'm/config.json': hubConfig(), 'm/model.safetensors': hub.weights }))],
    ]) {
      const { format, tokenizer, config: c } = await open(files);
      expect(format).toBe('mdlm');
      expect(tokenizer).toBe('gpt2');
      expect(c).toMatchObject({ arch: 'ddit', vocabSize: 50257, seqLen: 16, layers: 1, dModel: 16 });
    }
  });

  it('names the files loadModel reads: config.json and model.safetensors', async () => {
    const files = await folderFiles([
      file('config.json', hubConfig()),
      file('weights.bin.safetensors', hub.weights),
    ]);
    expect(files.map((f) => f.name)).toEqual(['config.json', 'model.safetensors']);
  });

  it('says that the weights are missing, and what another model_type is, in plain words', async () => {
    await expect(openModel({ files: [file('config.json', hubConfig())] })).rejects.toThrow(
      /the weights file "model\.safetensors" of the MDLM folder config\.json is missing/,
    );
    const bert = JSON.stringify({ ...JSON.parse(hub.configJson), model_type: 'bert' });
    await expect(
      openModel({
        files: [file('config.json', new TextEncoder().encode(bert)), file('model.safetensors', hub.weights)],
      }),
    ).rejects.toThrow(/describes a model of type "bert", which this page cannot run/);
  });
});

describe('textTokenizerFor', () => {
  it('gives text8 and (imported on demand) GPT-2; a model without one gets a message in plain words', async () => {
    expect((await textTokenizerFor('text8', 27, 'md4-checkpoint')).id).toBe('text8');
    expect((await textTokenizerFor(null, 27, 'md4-checkpoint')).id).toBe('text8');
    const gpt2 = await textTokenizerFor('gpt2', 50257, 'mdlm');
    expect(gpt2.decode(gpt2.encode('Hello world'))).toBe('Hello world');
    await expect(textTokenizerFor(null, 27, 'mdlm')).rejects.toThrow(
      /does not say how its 27 token ids become text .* add "md4_tokenizer": "gpt2"/,
    );
    await expect(textTokenizerFor('pixels-28x28x1', 256, 'md4-checkpoint')).rejects.toThrow(
      /uses the "pixels-28x28x1" tokenizer; this page shows text from text8 \(character\) and GPT-2 models only/,
    );
    await expect(textTokenizerFor('gpt2', 1000, 'mdlm')).rejects.toThrow(/has 1000 token values/);
  });
});
