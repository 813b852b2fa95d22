import {
  type Denoiser,
  type MatMulPrecision,
  type NextTokenModel,
  type Rng,
  withMatMulPrecision,
} from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';
import { checkpointed } from './activation-checkpoint';
import { wasmKernelsActive } from './kernels/wasm-kernels';
import type { ParameterSpec } from './parameter-layout';

/** Named parameters of a network (names from its layout). */
export type ParameterMap = Readonly<Record<string, tf.Variable>>;

/**
 * Which implementation the hot ops use: 'auto' picks the custom wasm kernels on the wasm backend
 * and ordinary tfjs ops elsewhere; 'reference' always uses ordinary tfjs ops (slow on wasm; tests
 * compare the two).
 */
export type KernelMode = 'auto' | 'reference';

/** Options of one forward pass. */
export interface ForwardOptions {
  /** Apply dropout (training); needs `rng` when the config's dropout > 0. */
  training?: boolean | undefined;
  /** Source of dropout seeds. */
  rng?: Rng | undefined;
  /**
   * The matrix products' precision (@md4/core's `withMatMulPrecision`): honoured by the native
   * backend, float32 on the others. Default: the backend's own setting.
   */
  precision?: MatMulPrecision | undefined;
  /**
   * Keep only each block's input for the backward pass and recompute the block's forward there
   * (`checkpointed`): far less memory per token, one more forward pass of compute. Only matters
   * while gradients are recorded. Default false.
   */
  checkpointActivations?: boolean | undefined;
}

/** Initial values by parameter name (e.g. from a checkpoint). */
export type WeightValues = ReadonlyMap<string, Float32Array> | Readonly<Record<string, Float32Array>>;

/** How to build a network (`createTransformer`, `createDDiT`, `createNetwork`). */
export interface NetworkOptions {
  /** Seed of the initial weights (default 0). Ignored when `weights` is given. */
  seed?: number | undefined;
  /** Initial values by parameter name (e.g. from a checkpoint); every parameter must be present. */
  weights?: WeightValues | undefined;
  /** Default 'auto'. */
  kernels?: KernelMode | undefined;
}

/** A network as a training loss sees it: a `Denoiser`, and (causal networks only) a `NextTokenModel`. */
export type TrainingView = Denoiser & NextTokenModel;

/** What one block of a forward pass reads: its weights by name, and dropout. */
export interface BlockContext {
  /**
   * The matrix parameter of this full layout name (e.g. 'blocks.0.attn.qkv.kernel'); borrowed, do not
   * dispose. Inside `runBlock` with checkpointing, a name outside the block's prefix throws.
   */
  mat(name: string): tf.Tensor2D;
  /** The vector parameter (bias, norm scale) of this full layout name; borrowed, as `mat`. */
  vec(name: string): tf.Tensor1D;
  /** Dropout on a residual branch (the identity outside training or at rate 0). */
  drop(x: tf.Tensor2D): tf.Tensor2D;
}

/** A residual block: x [N, d] and the conditioning (or null) to the block's output [N, d]. */
export type Block = (x: tf.Tensor2D, cond: tf.Tensor2D | null, ctx: BlockContext) => tf.Tensor2D;

/** What a forward pass reads of the network: its weights by name, the kernel path, and dropout. */
export interface ForwardContext extends BlockContext {
  /** True where the custom wasm kernels run (see `KernelMode`). */
  fast: boolean;
  /**
   * `block` on x and cond with the weights whose names start with `prefix.`; with
   * `checkpointActivations`, its intermediates are recomputed in the backward pass instead of kept.
   */
  runBlock(prefix: string, block: Block, x: tf.Tensor2D, cond: tf.Tensor2D | null): tf.Tensor2D;
}

/**
 * What the trainer, checkpoints and loaders need of a network, whatever its architecture: a
 * `Denoiser` over named variables with a fixed layout, which is also a `NextTokenModel` when its
 * config is causal (an autoregressive network). Subclasses give the forward pass.
 */
export abstract class DenoisingNetwork<
  C extends {
    vocabSize: number;
    seqLen: number;
    timeConditioned: boolean;
    dropout: number;
    causal?: boolean;
  },
> implements TrainingView
{
  /** The architecture, all defaults filled in. */
  readonly config: C;
  readonly vocabSize: number;
  readonly timeConditioned: boolean;
  /** The variables by layout name; owned by the network unless it is a `withParams` view. */
  readonly params: ParameterMap;
  /** The kernel path of the hot ops (see KernelMode). */
  readonly kernels: KernelMode;
  /** Every parameter's name, shape and initialisation, in a fixed order (checkpoints follow it). */
  readonly layout: readonly ParameterSpec[];
  private readonly owned: boolean;
  private disposed = false;

  /** Wraps existing variables (not owned unless `owned`), checking each against the layout. */
  protected constructor(
    config: C,
    layout: readonly ParameterSpec[],
    params: ParameterMap,
    kernels: KernelMode,
    owned: boolean,
  ) {
    for (const spec of layout) {
      const p = params[spec.name];
      if (p == null) throw new Error(`network: parameter "${spec.name}" is missing`);
      if (!shapesEqual(p.shape, spec.shape)) {
        throw new Error(`network: parameter "${spec.name}" has shape [${p.shape}], expected [${spec.shape}]`);
      }
    }
    this.config = config;
    this.vocabSize = config.vocabSize;
    this.timeConditioned = config.timeConditioned;
    this.layout = layout;
    this.params = params;
    this.kernels = kernels;
    this.owned = owned;
  }

  /**
   * The forward pass; `training` turns dropout on, `precision` sets the products' precision.
   * Returns logits [B, L, V] owned by the caller.
   */
  forward(xt: tf.Tensor2D, t: tf.Tensor1D, options: ForwardOptions = {}): tf.Tensor3D {
    return withMatMulPrecision(options.precision, () => this.forwardPass(xt, t, options));
  }

  /** The architecture's forward pass (what `forward` runs in the precision asked for). */
  protected abstract forwardPass(xt: tf.Tensor2D, t: tf.Tensor1D, options: ForwardOptions): tf.Tensor3D;

  /** The same architecture over other variables of the same shapes (e.g. the EMA weights). Not owned. */
  abstract withParams(params: ParameterMap): DenoisingNetwork<C>;

  /** Logits [B, L, V] for tokens xt [B, L] (int32, V = MASK) at times t [B]. Eval mode (no dropout). */
  logits(xt: tf.Tensor2D, t: tf.Tensor1D): tf.Tensor3D {
    return this.forward(xt, t);
  }

  /** The longest sequence a forward pass takes (the config's seqLen). */
  get maxLength(): number {
    return this.config.seqLen;
  }

  /**
   * `NextTokenModel` of a causal network: logits [B, L, V] whose row n is the distribution of x_n
   * given x_0..x_(n-1), the forward pass on x shifted right by one with the mask id V in front
   * (the start token) at t = 0. x: int32 [B, L] in 0..V-1, borrowed. Throws for a bidirectional
   * network, whose row n would see x_n.
   */
  nextTokenLogits(x: tf.Tensor2D, options: ForwardOptions = {}): tf.Tensor3D {
    if (this.config.causal !== true) {
      throw new Error(
        'nextTokenLogits: this network is bidirectional (config.causal is not true), so position n would see x_n; ' +
          'an autoregressive model is a transformer with causal: true (md4 train --objective ar)',
      );
    }
    if (x.rank !== 2 || x.dtype !== 'int32') {
      throw new TypeError(`nextTokenLogits: x must be an int32 [B, L] tensor, got ${x.dtype} [${x.shape}]`);
    }
    const [B, L] = x.shape;
    return tf.tidy(() => {
      const start = tf.fill([B, 1], this.vocabSize, 'int32');
      const shifted = tf.concat([start, tf.slice(x, [0, 0], [B, L - 1])], 1) as tf.Tensor2D;
      return this.forward(shifted, tf.zeros([B]), options);
    });
  }

  /**
   * The view training losses see: dropout with seeds drawn from `rng`, and activation checkpointing
   * when asked (see ForwardOptions), for `logits` and `nextTokenLogits` alike.
   */
  training(rng: Rng, options: { checkpointActivations?: boolean | undefined } = {}): TrainingView {
    const forward = { training: true, rng, checkpointActivations: options.checkpointActivations };
    return {
      vocabSize: this.vocabSize,
      timeConditioned: this.timeConditioned,
      maxLength: this.maxLength,
      logits: (xt, t) => this.forward(xt, t, forward),
      nextTokenLogits: (x) => this.nextTokenLogits(x, forward),
    };
  }

  /** The trainable variables in layout order. */
  variables(): tf.Variable[] {
    return this.layout.map((s) => this.params[s.name]!);
  }

  /** Total number of parameters. */
  parameterCount(): number {
    return this.layout.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
  }

  /** Throws once the model is disposed (forward passes call it first). */
  protected assertAlive(): void {
    if (this.disposed) throw new Error('network: this model has been disposed');
  }

  /** The weights, kernel path and dropout of one forward pass (`options.training` turns dropout on). */
  protected forwardContext(options: ForwardOptions): ForwardContext {
    const dropout = options.training ? this.config.dropout : 0;
    if (dropout > 0 && options.rng == null) throw new Error('forward: training with dropout needs an rng');
    const p = this.params as Record<string, tf.Tensor>;
    const drawSeed = () => Math.floor(options.rng!.uniform() * 2 ** 31);
    const dropWith = (x: tf.Tensor2D, seed: number) => tf.dropout(x, dropout, undefined, seed) as tf.Tensor2D;
    const drop = (x: tf.Tensor2D) => (dropout > 0 ? dropWith(x, drawSeed()) : x);
    const mat = (name: string) => p[name] as tf.Tensor2D;
    const vec = (name: string) => p[name] as tf.Tensor1D;
    const plain: BlockContext = { mat, vec, drop };
    const checkpoint = options.training === true && options.checkpointActivations === true;
    return {
      ...plain,
      fast: this.kernels === 'auto' && wasmKernelsActive(),
      runBlock: (prefix, block, x, cond) => {
        // a scope per block: the intermediates no gradient saved are freed at its end, not the pass's
        if (!checkpoint) return tf.tidy(() => block(x, cond, plain));
        const names = this.layout.filter((s) => s.name.startsWith(`${prefix}.`)).map((s) => s.name);
        const seeds: number[] = []; // drawn on the first run, replayed by the recomputation
        const run = (inputs: tf.Tensor[], replay: boolean) => {
          const own = cond == null ? 1 : 2;
          const weights = new Map(names.map((name, i) => [name, inputs[own + i]!]));
          const weight = (name: string) => {
            const w = weights.get(name);
            if (w == null)
              throw new Error(`network: block ${prefix} reads ${name}, which is not one of its weights`);
            return w;
          };
          let next = 0;
          const ctx: BlockContext = {
            mat: (name) => weight(name) as tf.Tensor2D,
            vec: (name) => weight(name) as tf.Tensor1D,
            drop: (h) => {
              if (dropout === 0) return h;
              if (!replay) seeds.push(drawSeed());
              return dropWith(h, seeds[next++]!);
            },
          };
          return block(inputs[0] as tf.Tensor2D, cond == null ? null : (inputs[1] as tf.Tensor2D), ctx);
        };
        const inputs = [x, ...(cond == null ? [] : [cond]), ...names.map((name) => p[name]!)];
        return checkpointed(run, inputs) as tf.Tensor2D;
      },
    };
  }

  /** Checks xt [B, L] int32 with L <= maxLength, and t [B]; returns [B, L]. */
  protected checkInputs(xt: tf.Tensor2D, t: tf.Tensor1D, maxLength: number): [number, number] {
    this.assertAlive();
    if (xt.rank !== 2 || xt.dtype !== 'int32') {
      throw new TypeError(`logits: xt must be an int32 [B, L] tensor, got ${xt.dtype} [${xt.shape}]`);
    }
    const [B, L] = xt.shape;
    if (L > maxLength) throw new RangeError(`logits: sequence length ${L} must be <= ${maxLength}`);
    if (t.rank !== 1 || t.shape[0] !== B) {
      throw new RangeError(`logits: t must have shape [${B}] (one time per sequence), got [${t.shape}]`);
    }
    return [B, L];
  }

  /** Frees the variables if this model owns them (views from `withParams` free nothing). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.owned) for (const v of Object.values(this.params)) v.dispose();
  }
}

/**
 * One trainable variable per layout entry, from `values` (every parameter must be present with the
 * right size). On error nothing stays allocated.
 */
export function createVariables(
  layout: readonly ParameterSpec[],
  values: WeightValues,
): Record<string, tf.Variable> {
  const map =
    values instanceof Map ? values : new Map(Object.entries(values as Record<string, Float32Array>));
  const params: Record<string, tf.Variable> = {};
  try {
    for (const spec of layout) {
      const v = map.get(spec.name);
      const size = spec.shape.reduce((a, b) => a * b, 1);
      if (v == null) throw new Error(`network weights: "${spec.name}" is missing`);
      if (v.length !== size) {
        throw new Error(
          `network weights: "${spec.name}" has ${v.length} values, expected ${size} for [${spec.shape}]`,
        );
      }
      params[spec.name] = tf.tidy(() => tf.variable(tf.tensor(v, spec.shape, 'float32'), true));
    }
  } catch (error) {
    for (const v of Object.values(params)) v.dispose();
    throw error;
  }
  return params;
}

function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
