/**
 * BLAS libraries to try, in order, for this platform. The first that opens and has
 * `cblas_sgemm` wins. On Debian/Ubuntu the pthreads OpenBLAS (`libopenblas0-pthread`) comes
 * first: it can be called from the addon's threads concurrently, the OpenMP build cannot with
 * any speed. Then `libopenblas.so.0`, the alternatives link to whichever build is installed.
 */
export function blasLibraryCandidates(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): string[] {
  if (platform === 'darwin') {
    return [
      '/opt/homebrew/opt/openblas/lib/libopenblas.dylib',
      '/usr/local/opt/openblas/lib/libopenblas.dylib',
      '/System/Library/Frameworks/Accelerate.framework/Accelerate',
    ];
  }
  const triplet = arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
  return [
    `/usr/lib/${triplet}/openblas-pthread/libopenblas.so.0`,
    'libopenblas.so.0',
    `/usr/lib/${triplet}/openblas-openmp/libopenblas.so.0`,
    'libopenblas.so',
    '/usr/lib64/libopenblas.so.0',
    '/usr/lib64/libopenblasp.so.0',
  ];
}

/** How to get a BLAS on this platform, for the fallback notice. */
export function blasInstallHint(platform: NodeJS.Platform = process.platform): string {
  return platform === 'darwin'
    ? 'brew install openblas'
    : 'apt-get install libopenblas0-openmp (or set MD4_BLAS_LIBRARY to a CBLAS shared library)';
}
