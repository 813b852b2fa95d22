/// <reference lib="webworker" />

/** What stands behind a GPU backend in this browser, found before tfjs is asked to start it. */
export type GpuAdapter =
  | { kind: 'hardware' }
  /** A rasteriser that runs on the CPU (SwiftShader, llvmpipe): `renderer` is its name. */
  | { kind: 'software'; renderer: string }
  /** No adapter at all: `reason` says why, in a visitor's words. */
  | { kind: 'absent'; reason: string }
  /** wasm and cpu run on the CPU by design. */
  | { kind: 'not-a-gpu-backend' };

/** Names software GPU implementations report. */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render driver/i;

/** The part of WebGPU's adapter read here (`info` is newer than the typings tfjs brings). */
interface AdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
}
interface Adapter {
  isFallbackAdapter?: boolean;
  info?: AdapterInfo;
  requestAdapterInfo?: () => Promise<AdapterInfo>;
}

/** WEBGL_debug_renderer_info's UNMASKED_RENDERER_WEBGL. */
const UNMASKED_RENDERER = 0x9246;

async function webGpuAdapter(): Promise<GpuAdapter> {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<Adapter | null> } }).gpu;
  if (gpu == null) return { kind: 'absent', reason: 'this browser does not offer WebGPU' };
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (adapter == null) {
    return {
      kind: 'absent',
      reason:
        'this browser offers WebGPU but no graphics adapter for it (the GPU or its driver is blocked, or WebGPU is switched off)',
    };
  }
  const info = adapter.info ?? (await adapter.requestAdapterInfo?.().catch(() => undefined));
  const renderer = [info?.vendor, info?.architecture, info?.device, info?.description]
    .filter((part) => part != null && part !== '')
    .join(' ');
  if (SOFTWARE_RENDERER.test(renderer)) return { kind: 'software', renderer };
  if (adapter.isFallbackAdapter === true)
    return { kind: 'software', renderer: renderer || 'a fallback adapter' };
  return { kind: 'hardware' };
}

function webGlAdapter(): GpuAdapter {
  const absent: GpuAdapter = { kind: 'absent', reason: 'this browser could not create a WebGL context' };
  if (typeof OffscreenCanvas === 'undefined') return absent;
  const gl = new OffscreenCanvas(1, 1).getContext('webgl2') ?? new OffscreenCanvas(1, 1).getContext('webgl');
  if (gl == null) return absent;
  try {
    const renderer = gl.getExtension('WEBGL_debug_renderer_info')
      ? String(gl.getParameter(UNMASKED_RENDERER))
      : String(gl.getParameter(gl.RENDERER));
    return SOFTWARE_RENDERER.test(renderer) ? { kind: 'software', renderer } : { kind: 'hardware' };
  } finally {
    gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
}

/** What runs the tfjs backend `backend` here: a hardware GPU, a software one, none, or the CPU itself. */
export async function gpuAdapter(backend: string): Promise<GpuAdapter> {
  if (backend === 'webgpu') return webGpuAdapter();
  if (backend === 'webgl') return webGlAdapter();
  return { kind: 'not-a-gpu-backend' };
}
