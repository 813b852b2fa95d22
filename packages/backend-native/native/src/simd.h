// Compiles a hot loop for AVX-512, AVX2 and plain x86-64, chosen at load time (GCC function
// multi-versioning), so one portable binary uses the widest vectors the CPU has.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define MD4_MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define MD4_MULTIVERSION
#endif

// Rounds every product and sum on its own (no fused multiply-add), for kernels whose results must
// equal the composed tfjs ops' bit for bit: the AVX-512 and AVX2 clones could otherwise contract a * b + c.
// (Only GCC builds the clones; clang's default contraction is left as it is.)
#if defined(__GNUC__) && !defined(__clang__)
#define MD4_NO_FMA_CONTRACTION __attribute__((optimize("fp-contract=off")))
#else
#define MD4_NO_FMA_CONTRACTION
#endif
