import { describe, expect, it } from 'vitest';
import { loadAddon } from './addon';

// The addon opens its BLAS and oneDNN with one loader: the first library that opens and has what is
// needed; otherwise one error listing every candidate's reason. (This file's worker loads the addon
// without registering the backend, which would load oneDNN for float32 products, so the loader
// runs here.)
const loaded = loadAddon();
const addon = 'addon' in loaded ? loaded.addon : null;
/** False for an addon compiled without oneDNN's headers (it then refuses bf16 with that reason). */
const builtWithDnnl = (() => {
  try {
    addon?.precision(true, []);
  } catch (error) {
    return !/built without oneDNN's headers/.test((error as Error).message);
  } finally {
    addon?.precision(false, []);
  }
  return addon != null;
})();

describe.runIf(builtWithDnnl)('loading oneDNN from candidate paths', () => {
  it('names each refused candidate: one that does not open, one that is not oneDNN', () => {
    if (addon == null) throw new Error('no addon');
    expect(() => addon.precision(true, ['/nonexistent/libdnnl.so.2', 'libm.so.6'])).toThrow(
      /oneDNN could not be loaded \(.*\/nonexistent\/libdnnl\.so\.2.*; libm\.so\.6: not a oneDNN 2\.x library \(a function is missing\)\)/,
    );
    expect(() => addon.precision(true, [])).toThrow(/no oneDNN library paths given/);
    expect(addon.info().precision).toBe('fp32');
  });
});
