import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { decodeSafetensors } from '../safetensors';
it('read python-written', () => {
  const d = decodeSafetensors(readFileSync('/tmp/py-written.safetensors'));
  console.log(JSON.stringify([...d.tensors].map(([k, v]) => [k, v.dtype, v.shape, Array.from(v.data)])), d.metadata);
});
