import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';

const { registerNativeBackend } = await import('../dist/index.js');
await registerNativeBackend();
await tf.setBackend('native');
const v = [-Infinity, Infinity, NaN, 89, 88.5, -88, -100, -104, -200, 0];
console.log(Array.from(tf.exp(tf.tensor1d(v)).dataSync()), v.map(Math.exp).map(Math.fround));
console.log(Array.from(tf.sigmoid(tf.tensor1d(v)).dataSync()));
