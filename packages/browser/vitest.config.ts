import { packageTestConfig } from '../../vitest.shared';

export default packageTestConfig({ tensors: true });
