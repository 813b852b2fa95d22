import { mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../../vitest.shared';

export default mergeConfig(packageTestConfig({ tensors: true }), {
  ssr: { resolve: { conditions: ['source'] } },
});
