// Compiles a hot loop for AVX-512, AVX2 and plain x86-64, chosen at load time (GCC function
// multi-versioning), so one portable binary uses the widest vectors the CPU has.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define MD4_MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define MD4_MULTIVERSION
#endif
