{
  "targets": [
    {
      "target_name": "md4_native",
      "sources": ["src/addon.cc", "src/ada-layer-norm.cc", "src/attention.cc", "src/avx512-bf16-gemm.cc", "src/avx512-float32-gemm.cc", "src/bf16-copies.cc", "src/blas-loader.cc", "src/dnnl-gemm.cc", "src/elementwise.cc", "src/gemm.cc", "src/shared-library.cc", "src/optimizer.cc", "src/rms-norm.cc", "src/rope.cc", "src/gated-activation.cc", "src/gelu.cc", "src/gated-residual.cc", "src/strided-copy.cc", "src/thread-pool.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": ["-O3", "-std=c++17", "-pthread", "-fno-math-errno", "-fno-trapping-math"],
      "cflags_cc!": ["-fno-exceptions"],
      "ldflags": ["-pthread"],
      "libraries": ["-ldl"],
      "conditions": [
        ["<!(test -f /usr/include/oneapi/dnnl/dnnl.h && echo 1 || echo 0)==1", { "defines": ["MD4_HAVE_DNNL"] }]
      ],
      "xcode_settings": {
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17", "-fno-math-errno", "-fno-trapping-math"],
        "MACOSX_DEPLOYMENT_TARGET": "11.0"
      }
    }
  ]
}
