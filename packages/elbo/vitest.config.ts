import { mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../../vitest.shared';

// Vite 8 applies resolve.conditions to client builds only; tests run as SSR, so repeat the
// "source" condition there to resolve @md4/core and @md4/schedules from their TypeScript sources.
export default mergeConfig(packageTestConfig({ tensors: true }), {
  ssr: { resolve: { conditions: ['source'] } },
});
