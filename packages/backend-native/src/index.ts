export type { MatMulPrecision } from '@md4/core';
export { MATMUL_PRECISIONS } from '@md4/core';
export type { AddonInfo, NativeAddon } from './addon';
export { defaultAddonPath, loadAddon } from './addon';
export { blasInstallHint, blasLibraryCandidates } from './blas-libraries';
export { copyKernelOverrides } from './copy-kernels';
export { elementwiseKernelOverrides } from './elementwise-kernels';
export type { Float32ProductChoice, Float32ProductLibrary, Float32Products } from './float32-products';
export { FLOAT32_ONEDNN_MIN_FLOPS, FLOAT32_PRODUCT_CHOICES } from './float32-products';
export { gateKernels } from './gate-kernels';
export { geluKernels } from './gelu-kernels';
export { batchMatMulKernel, fusedMatMulKernel, matMulKernelOverrides } from './matmul-kernels';
export type { ComputedMatMulPrecision, MatMulPrecisionResult } from './matmul-precision';
export { BF16_CPU_FLAGS, bf16Instructions, dnnlLibraryCandidates } from './matmul-precision';
export { OWN_ARRAY_READ_VALUES } from './native-backend';
export { optimizerKernels } from './optimizer-kernels';
export type { NativeBackendOptions, NativeBackendStatus } from './register-native-backend';
export {
  NATIVE_BACKEND,
  nativeBackendInfo,
  registerNativeBackend,
  resolveMatMulPrecision,
  setMatMulPrecision,
} from './register-native-backend';
export { ropeKernel } from './rope-kernel';
export type { NativeStorageBackend, NativeValues } from './tensor-storage';
