/**
 * The sigmoid-gated activation of the MLP, y = sigmoid(gate) * up, as two kernels a backend may
 * register (`@md4/models` runs them where the active backend has them, else composes tfjs ops):
 *  - SIGMOID_GATE_KERNEL       inputs { gate, up } -> y
 *  - SIGMOID_GATE_GRAD_KERNEL  inputs { dy, gate, up } -> [dGate, dUp], with s = sigmoid(gate),
 *    dyS = dy * s: dGate = (dyS * up) * (1 - s), dUp = dyS
 * in float32, in that order (the composed ops'), so the results are identical to theirs.
 */
export const SIGMOID_GATE_KERNEL = 'Md4SigmoidGate';
/** Kernel name of the gradient of SIGMOID_GATE_KERNEL: { dy, gate, up } -> [dGate, dUp]. */
export const SIGMOID_GATE_GRAD_KERNEL = 'Md4SigmoidGateGrad';
