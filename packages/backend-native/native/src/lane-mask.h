// Masks of the first lanes of a 16-lane vector, for the AVX-512 kernels' partial loads and stores.
#pragma once

#include <cstdint>

namespace md4 {

// The mask of the first `count` of 16 lanes: all where count >= 16, none where count <= 0.
inline uint16_t firstLanes(int64_t count) {
  return count >= 16 ? uint16_t(0xffff) : count <= 0 ? uint16_t(0) : static_cast<uint16_t>((1u << count) - 1u);
}

}  // namespace md4
