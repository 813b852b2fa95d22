// The sigmoid-gated activation of the MLP (@md4/core's gate-kernel.ts), forward and backward, in
// one pass each, with the Sigmoid kernel's own sigmoid so results equal the composed ops'.
#pragma once

#include <cstdint>

namespace md4 {

// out = sigmoid(gate) * up.
void sigmoidGate(const float* gate, const float* up, float* out, int64_t n);

// s = sigmoid(gate), dyS = dy * s: dGate = (dyS * up) * (1 - s), dUp = dyS.
void sigmoidGateGrad(const float* dy, const float* gate, const float* up, float* dGate, float* dUp, int64_t n);

}  // namespace md4
