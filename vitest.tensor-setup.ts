// Registers gradients and the backends used by tests, then selects the test backend
// (MD4_TEST_BACKEND=wasm|cpu, default wasm).
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';

const backend = process.env.MD4_TEST_BACKEND ?? 'wasm';
if (!(await tf.setBackend(backend))) throw new Error(`test backend ${backend} failed to initialise`);
await tf.ready();
