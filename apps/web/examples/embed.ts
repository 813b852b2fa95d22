/**
 * Embedding MD4 in another page: start the worker client, pick a backend, load a checkpoint, and
 * stream a sample. Every step arrives as plain data; write it into the page as text.
 */
import { Md4Client } from '@md4/browser';

const out = document.getElementById('out')!;
const status = document.getElementById('status')!;
const button = document.getElementById('go') as HTMLButtonElement;

const client = new Md4Client();
const backend = await client.setBackend('auto');
const model = await client.loadCheckpoint({
  url: new URL('../checkpoints/demo/', document.baseURI).href,
});
status.textContent = `${model.name} on ${backend.backend}`;

async function generate(seed: number): Promise<void> {
  button.disabled = true;
  try {
    const result = await client.sample(
      { length: 96, steps: 24, method: 'ancestral', grid: 'cosine', topP: 0.95, temperature: 1, seed },
      {
        onStep: (e) => {
          // tokenStrings maps token ids to text; the last entry is the mask placeholder.
          out.textContent = Array.from(e.tokens, (t) => model.tokenStrings[t]).join('');
        },
      },
    );
    out.textContent = result.text;
    status.textContent = `${result.steps} steps in ${(result.elapsedMs / 1000).toFixed(2)} s on ${backend.backend}`;
  } finally {
    button.disabled = false;
  }
}

let seed = 1;
button.addEventListener('click', () => void generate(++seed));
await generate(seed);
