export type { AddonInfo, NativeAddon } from './addon';
export { defaultAddonPath, loadAddon } from './addon';
export { blasInstallHint, blasLibraryCandidates } from './blas-libraries';
export type { WasmHeapBackend } from './matmul-kernels';
export { batchMatMulKernel, fusedMatMulKernel } from './matmul-kernels';
export type { NativeBackendOptions, NativeBackendStatus } from './register-native-backend';
export { NATIVE_BACKEND, registerNativeBackend } from './register-native-backend';
