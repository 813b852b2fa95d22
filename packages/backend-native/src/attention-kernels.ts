import { ATTENTION_GRAD_KERNEL, ATTENTION_KERNEL, type AttentionAttrs } from '@md4/core';
import { type KernelConfig, type TensorInfo, util } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon';
import { requestedPrecisionCode } from './matmul-precision';
import { float32Of, type NativeKernelArgs, type NativeStorageBackend, newFloat32 } from './tensor-storage';

/** [B, L, H, hd, scale, causal 0/1] after checking qkv [B*L, 3d] and the rotary tables against the attributes. */
function attentionSizes(
  kernel: string,
  attrs: AttentionAttrs,
  qkv: TensorInfo,
  cos: TensorInfo,
  sin: TensorInfo,
) {
  const { batch, seqLen, heads, headDim, scale, rotary } = attrs;
  const d = heads * headDim;
  const tables = (t: TensorInfo) =>
    t.dtype === 'float32' && t.shape.length === 2 && t.shape[0] === seqLen && t.shape[1] === headDim / 2;
  if (
    qkv.dtype !== 'float32' ||
    qkv.shape.length !== 2 ||
    qkv.shape[0] !== batch * seqLen ||
    qkv.shape[1] !== 3 * d
  ) {
    throw new Error(
      `${kernel}: expected float32 qkv [${batch * seqLen}, ${3 * d}], got ${qkv.dtype} [${qkv.shape}]`,
    );
  }
  if (rotary && !(tables(cos) && tables(sin))) {
    throw new Error(
      `${kernel}: expected float32 cos and sin [${seqLen}, ${headDim / 2}], got [${cos.shape}], [${sin.shape}]`,
    );
  }
  return new Float64Array([batch, seqLen, heads, headDim, scale, attrs.causal === true ? 1 : 0]);
}

/** The rotary tables' values, or nulls without rotary embedding. */
function rotaryTables(
  backend: NativeStorageBackend,
  attrs: AttentionAttrs,
  cos: TensorInfo,
  sin: TensorInfo,
): [Float32Array | null, Float32Array | null] {
  return attrs.rotary ? [float32Of(backend, cos), float32Of(backend, sin)] : [null, null];
}

/** The fused attention kernels of `@md4/core` (forward, and its gradient), one native call each. */
export function attentionKernels(addon: NativeAddon, backendName: string): KernelConfig[] {
  return [
    {
      kernelName: ATTENTION_KERNEL,
      backendName,
      kernelFunc: (args) => {
        const { inputs, backend, attrs: raw } = args as unknown as NativeKernelArgs;
        const attrs = raw as unknown as AttentionAttrs;
        const { qkv, cos, sin } = inputs as Record<'qkv' | 'cos' | 'sin', TensorInfo>;
        const sizes = attentionSizes(ATTENTION_KERNEL, attrs, qkv, cos, sin);
        const out = newFloat32(backend, [qkv.shape[0]!, attrs.heads * attrs.headDim]);
        const lse = newFloat32(backend, [attrs.batch, attrs.heads, attrs.seqLen]);
        if (attrs.batch > 0) {
          const [cosValues, sinValues] = rotaryTables(backend, attrs, cos, sin);
          addon.attention(
            float32Of(backend, qkv),
            cosValues,
            sinValues,
            out.values,
            lse.values,
            sizes,
            requestedPrecisionCode(addon),
          );
        }
        return [out.info, lse.info];
      },
    },
    {
      kernelName: ATTENTION_GRAD_KERNEL,
      backendName,
      kernelFunc: (args) => {
        const { inputs, backend, attrs: raw } = args as unknown as NativeKernelArgs;
        const attrs = raw as unknown as AttentionAttrs;
        const { dy, qkv, cos, sin, out, lse } = inputs as Record<
          'dy' | 'qkv' | 'cos' | 'sin' | 'out' | 'lse',
          TensorInfo
        >;
        const sizes = attentionSizes(ATTENTION_GRAD_KERNEL, attrs, qkv, cos, sin);
        const rows = attrs.batch * attrs.seqLen;
        const d = attrs.heads * attrs.headDim;
        for (const [name, t, size] of [
          ['dy', dy, rows * d],
          ['out', out, rows * d],
          ['lse', lse, rows * attrs.heads],
        ] as const) {
          if (t.dtype !== 'float32' || util.sizeFromShape(t.shape) !== size) {
            throw new Error(
              `${ATTENTION_GRAD_KERNEL}: ${name} must be float32 with ${size} values, got [${t.shape}]`,
            );
          }
        }
        const dqkv = newFloat32(backend, qkv.shape);
        if (attrs.batch > 0) {
          const [cosValues, sinValues] = rotaryTables(backend, attrs, cos, sin);
          const f = (t: TensorInfo) => float32Of(backend, t);
          addon.attentionGrad(
            f(dy),
            f(qkv),
            cosValues,
            sinValues,
            f(out),
            f(lse),
            dqkv.values,
            sizes,
            requestedPrecisionCode(addon),
          );
        }
        return dqkv.info;
      },
    },
  ];
}
