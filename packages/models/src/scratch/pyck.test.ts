import { linear } from '@md4/schedules';
import { it } from 'vitest';
import { checkpointFromTrainer } from '../checkpoint';
import { saveCheckpoint } from '../checkpoint-files';
import { createTrainer } from '../train-step';
import { createTransformer } from '../transformer';
it('write', async () => {
  const model = createTransformer({ vocabSize: 5, seqLen: 8, layers: 1, dModel: 16, heads: 2 }, { seed: 1 });
  const trainer = createTrainer({ model, schedule: linear(), seed: 1 });
  await trainer.step([Int32Array.from([0,1,2,3,4,0,1,2]), Int32Array.from([4,4,4,4,1,1,1,1])]);
  await saveCheckpoint('/tmp/md4-py-ckpt', await checkpointFromTrainer(trainer, { tokenizer: 'demo' }));
});
