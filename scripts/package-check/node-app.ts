// What a Node user writes, checked against the packed packages (scripts/package-check.sh): train a
// small model, save the checkpoint, open it as a text generator, generate and infill text.
// `node dist/node-app.js [dir]` saves the checkpoint to dir and keeps it (the README examples load
// it as runs/quickstart/checkpoint); without dir it goes to a temporary folder, removed at the end.
import '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, selectBackend } from '@md4/core';
import { batches, text8Tokenizer, textDataset } from '@md4/datasets';
import { estimateElbo } from '@md4/elbo';
import { loadTextGenerator } from '@md4/generate/node';
import { checkpointFromTrainer, createTrainer, createTransformer } from '@md4/models';
import { saveCheckpoint } from '@md4/models/node';
import { cosine } from '@md4/schedules';

await selectBackend(['cpu']);
const corpus = textDataset({
  tokens: text8Tokenizer.encode(
    'the state of the union is strong and the people of the union are free '.repeat(20),
  ),
  tokenizer: text8Tokenizer,
  length: 64,
});
const model = createTransformer({ vocabSize: 27, seqLen: 64, layers: 1, dModel: 32, heads: 2 }, { seed: 0 });
const schedule = cosine();
const trainer = createTrainer({
  model,
  schedule,
  optimizer: { lr: 3e-3, warmupSteps: 2, totalSteps: 6 },
  seed: 1,
});
const losses: number[] = [];
for (const batch of batches(corpus, { batchSize: 4, seed: 2, steps: 6 })) {
  losses.push((await trainer.step(batch)).loss);
}
const elbo = await estimateElbo(trainer.evalModel(), batches(corpus, { batchSize: 4, seed: 3, steps: 2 }), {
  schedule,
  rng: createRng(4),
});

const keptDir = process.argv[2];
const dir = keptDir ?? mkdtempSync(join(tmpdir(), 'md4-package-check-'));
await saveCheckpoint(dir, await checkpointFromTrainer(trainer, { tokenizer: 'text8' }));
trainer.dispose();
model.dispose();

const generator = await loadTextGenerator(dir);
const [text] = await generator.generate({ steps: 16, seed: 1 });
const [filled] = await generator.infill('the ____ of the union', { steps: 16, seed: 2 });
generator.dispose();
if (keptDir === undefined) rmSync(dir, { recursive: true, force: true });

if (text === undefined || text.length !== 64 || filled === undefined || !filled.startsWith('the ')) {
  throw new Error(`unexpected texts: ${JSON.stringify({ text, filled })}`);
}
console.log(JSON.stringify({ losses, bitsPerToken: elbo.bitsPerToken, text, filled }));
