import * as tf from '@tensorflow/tfjs-core';
import { it } from 'vitest';
it('dbg5', async () => {
  const ids = tf.tensor1d([0, 1, 4], 'int32');
  console.log(tf.oneHot(ids, 5, 1, 0, 'float32').arraySync(), tf.oneHot(ids, 5).arraySync(), tf.oneHot(ids, 5, 1, 0, 'float32').dtype);
  console.log(tf.cast(tf.oneHot(ids, 5), 'float32').arraySync());
});
