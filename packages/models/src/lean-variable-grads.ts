import * as tf from '@tensorflow/tfjs-core';

/** What the backward pass reads of a tfjs 4.22 tape node (engine internals, stable across 4.x). */
interface TapeNode {
  id: number;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  saved?: tf.Tensor[];
  gradient?: (dys: Array<tf.Tensor | null>) => Record<string, () => tf.Tensor>;
}

interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  startTape(): void;
  endTape(): void;
}

/**
 * `tf.variableGrads(f, varList)` with a backward pass that frees memory as it goes: the gradient
 * with respect to each intermediate tensor, the tensors each op saved for its gradient and what
 * its gradient function made on the way are disposed as soon as the pass has gone through the op.
 * tfjs 4.22 keeps all three until the whole backward pass ends (a custom op's gradient function
 * runs at once, so everything it makes is kept), so its peak holds all of them for every op; this
 * one's holds the saved tensors of the ops not yet reached and the gradients of about one layer's
 * tensors (reverse-mode autodiff visits the tape in reverse order, and each output's gradient is
 * complete once the op that produced it is reached).
 *
 * The same gradients as `tf.variableGrads` (the same gradient functions in the same order). `f`
 * must return a scalar; variables `f` does not reach, and non-trainable ones, get no entry. Called
 * while an enclosing gradient is being recorded (a nested tape), it is `tf.variableGrads`.
 * The value and the gradients are owned by the caller.
 */
export function leanVariableGrads(
  f: () => tf.Scalar,
  varList: tf.Variable[],
): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  const engine = tf.engine() as unknown as EngineInternals;
  if (engine.state.gradientDepth > 0) return tf.variableGrads(f, varList);
  const xs = varList.filter((v) => v.trainable);
  if (xs.length === 0) throw new Error('leanVariableGrads: no trainable variables in varList');
  let y: tf.Scalar;
  engine.startTape();
  try {
    y = tf.tidy(f);
  } catch (error) {
    freeTape(engine);
    throw error;
  } finally {
    engine.endTape();
  }
  if (!(y instanceof tf.Tensor) || y.rank !== 0) {
    freeTape(engine);
    tf.dispose(y as tf.TensorContainer);
    throw new Error(`leanVariableGrads: f must return a scalar tensor, got rank ${(y as tf.Tensor).rank}`);
  }
  try {
    const tape = nodesFromXsToY(engine.state.activeTape ?? [], xs, y);
    if (tape.length === 0) throw new Error('leanVariableGrads: f does not depend on any of the variables');
    const grads = tf.tidy(() => backpropagate(tape, y, xs));
    return { value: y, grads };
  } catch (error) {
    y.dispose();
    throw error;
  } finally {
    freeTape(engine);
  }
}

/**
 * Walks `tape` (the ops from xs to y, in forward order) backwards from dy/dy = 1, accumulating
 * each input's gradient, and frees each op's saved tensors and its outputs' gradients once the op
 * is done. Returns the gradient of each x that y depends on.
 */
function backpropagate(tape: TapeNode[], y: tf.Scalar, xs: tf.Variable[]): tf.NamedTensorMap {
  // every gradient held here is a tensor of its own (a clone shares the values), owned by this pass
  const gradientOf = new Map<number, tf.Tensor>([[y.id, tf.onesLike(y)]]);
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i]!;
    const { gradient } = node;
    if (gradient == null) throw new Error(`leanVariableGrads: no gradient for op ${node.id}`);
    const dys = node.outputs.map((o) => gradientOf.get(o.id) ?? null);
    const inputs = Object.entries(node.inputs);
    // one scope per op: whatever its gradient function makes on the way is freed with it
    const dxs = tf.tidy(() => {
      const thunks = gradient(dys);
      return inputs.map(([name]) => {
        const thunk = thunks[name];
        if (thunk == null)
          throw new Error(`leanVariableGrads: op ${node.id} has no gradient for input ${name}`);
        return tf.clone(thunk());
      });
    });
    for (const [k, [name, x]] of inputs.entries()) {
      const dx = dxs[k]!;
      if (dx.dtype !== 'float32' || !tf.util.arraysEqual(dx.shape, x.shape)) {
        throw new Error(
          `leanVariableGrads: op ${node.id} gave input ${name} [${x.shape}] a ${dx.dtype} gradient [${dx.shape}]`,
        );
      }
      const previous = gradientOf.get(x.id);
      if (previous == null) {
        gradientOf.set(x.id, dx);
      } else {
        gradientOf.set(x.id, tf.add(previous, dx));
        tf.dispose([previous, dx]);
      }
    }
    // the ops that read this op's outputs came later on the tape: their gradients were complete and are used
    for (const o of node.outputs) {
      gradientOf.get(o.id)?.dispose();
      gradientOf.delete(o.id);
    }
    for (const t of node.saved ?? []) t.dispose();
  }
  const grads: tf.NamedTensorMap = {};
  for (const x of xs) {
    const g = gradientOf.get(x.id);
    if (g != null) grads[x.name] = g;
  }
  return grads;
}

/**
 * The ops of `tape` that depend on some x and lead to y, each with only its inputs that depend on
 * an x (tfjs' getFilteredNodesXToY, which tfjs-core does not export).
 */
function nodesFromXsToY(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set(xs.map((x) => x.id));
  const nodeFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((input) => fromX.has(input.id))) {
      nodeFromX.add(node.id);
      for (const o of node.outputs) fromX.add(o.id);
    }
  }
  const toY = new Set([y.id]);
  const nodeToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i]!;
    if (node.outputs.some((o) => toY.has(o.id))) {
      nodeToY.add(node.id);
      for (const input of Object.values(node.inputs)) toY.add(input.id);
    }
  }
  return tape
    .filter((node) => nodeFromX.has(node.id) && nodeToY.has(node.id))
    .map((node) => ({
      ...node,
      inputs: Object.fromEntries(Object.entries(node.inputs).filter(([, input]) => fromX.has(input.id))),
    }));
}

/** Frees every saved tensor left on the tape and drops it, as tfjs does at the end of a backward pass. */
function freeTape(engine: EngineInternals): void {
  for (const node of engine.state.activeTape ?? []) for (const t of node.saved ?? []) t.dispose();
  engine.state.activeTape = null;
}
