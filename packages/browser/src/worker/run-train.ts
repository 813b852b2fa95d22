import { batches, cleanText8, text8Tokenizer, textDataset } from '@md4/datasets';
import {
  checkpointFromTrainer,
  createTrainer,
  createTransformer,
  type SerializedCheckpoint,
} from '@md4/models';
import { parseSchedule } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainingText, TrainSettings, TrainStep } from '../protocol';

/** Text8 tokens of the training text: pasted text is cleaned first; a file must already be text8. */
async function trainingTokens(data: TrainingText): Promise<{ tokens: Int32Array; source: string }> {
  if ('text' in data) {
    const clean = cleanText8(data.text);
    return { tokens: text8Tokenizer.encode(clean), source: 'pasted text' };
  }
  const response = await fetch(data.url);
  if (!response.ok) throw new Error(`could not fetch the training text ${data.url}: HTTP ${response.status}`);
  const text = (await response.text()).trim();
  return { tokens: text8Tokenizer.encode(text), source: 'the bundled corpus (State of the Union addresses)' };
}

/** Gives the worker's event loop a turn, so an abort message can arrive between steps. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Trains a fresh text8 transformer with @md4/models' Trainer (MD4 loss, AdamW with warmup and cosine
 * decay, no EMA: runs here are too short for one). Stopping keeps what was trained so far.
 */
export async function runTrain(
  settings: TrainSettings,
  signal: AbortSignal,
  report: (e: TrainStep) => void,
): Promise<{
  serialized: SerializedCheckpoint;
  steps: number;
  finalLoss: number;
  stopped: boolean;
  elapsedMs: number;
}> {
  const { tokens, source } = await trainingTokens(settings.data);
  const dataset = textDataset({ tokens, tokenizer: text8Tokenizer, length: settings.seqLength, source });
  const stream = batches(dataset, {
    batchSize: settings.batchSize,
    seed: settings.seed,
    steps: settings.steps,
  });
  const model = createTransformer(
    {
      vocabSize: text8Tokenizer.vocabSize,
      seqLen: settings.seqLength,
      layers: settings.size.layers,
      dModel: settings.size.width,
      heads: settings.size.heads,
      timeConditioned: false,
    },
    { seed: settings.seed },
  );
  const schedule = parseSchedule(settings.schedule);
  const trainer = createTrainer({
    model,
    schedule,
    optimizer: {
      lr: settings.learningRate,
      warmupSteps: Math.min(50, Math.ceil(settings.steps / 10)),
      totalSteps: settings.steps,
      minLrRatio: 0.1,
      clipNorm: 1,
    },
    emaDecay: 0,
    seed: settings.seed,
  });
  const t0 = performance.now();
  let finalLoss = Number.NaN;
  let stopped = false;
  try {
    for (const batch of stream) {
      if (signal.aborted) {
        stopped = true;
        break;
      }
      const r = await trainer.step(batch);
      if (r.loss === 0 && r.gradNorm === 0) {
        // An MD4 loss is never exactly 0 (it includes the reconstruction term): the backend failed.
        throw new Error(
          `the ${tf.getBackend()} backend returned an all-zero training step; training needs another ` +
            'backend here: switch to WebGL or wasm',
        );
      }
      finalLoss = r.loss;
      report({ step: r.step, totalSteps: settings.steps, loss: r.loss, elapsedMs: performance.now() - t0 });
      await nextTask();
    }
    if (trainer.completedSteps === 0)
      throw new DOMException('training was stopped before the first step', 'AbortError');
    const serialized = await checkpointFromTrainer(trainer, {
      tokenizer: text8Tokenizer.id,
      metadata: { trainedOn: source, trainedBy: '@md4/web' },
    });
    return {
      serialized,
      steps: trainer.completedSteps,
      finalLoss,
      stopped,
      elapsedMs: performance.now() - t0,
    };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}
