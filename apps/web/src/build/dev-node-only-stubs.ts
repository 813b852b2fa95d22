import type { Plugin } from 'vite';

/** Node-only modules that @md4/datasets' file loaders import (the app never calls those loaders). */
const NODE_ONLY = /^(node:[a-z_/]+|pngjs|tinyglobby|@stdlib\/datasets-sotu)$/;
const IMPORT = /^import\s+(?:(\*\s+as\s+\w+|\w+)|\{([^}]*)\})\s+from\s+'([^']+)';?$/gm;

const HELPER = `const __md4NodeOnly = (name) => new Proxy(function () {}, {
  get: (_, key) => (typeof key === 'symbol' ? undefined : __md4NodeOnly(name + '.' + key)),
  apply() { throw new Error(name + ' is Node-only: not available in the browser'); },
  construct() { throw new Error(name + ' is Node-only: not available in the browser'); },
});\n`;

/**
 * Dev server only. `@md4/datasets`' entry exports Node-only file loaders next to the tokenizers and
 * batchers the app uses; without a bundler's tree-shaking (`vite build` drops them), the browser
 * would load node:fs, pngjs and friends. This rewrites those imports, in datasets' sources only, to
 * stand-ins that throw if ever called. Remove once @md4/datasets has a browser entry point.
 */
export function devNodeOnlyStubs(): Plugin {
  return {
    name: 'md4-dev-node-only-stubs',
    apply: 'serve',
    enforce: 'pre',
    transform(code, id) {
      if (!/\/packages\/datasets\/src\/[^/]+\.ts$/.test(id)) return null;
      let changed = false;
      const out = code.replace(
        IMPORT,
        (statement, single: string | undefined, named: string | undefined, from: string) => {
          if (!NODE_ONLY.test(from)) return statement;
          changed = true;
          const stub = `__md4NodeOnly(${JSON.stringify(from)})`;
          if (single) return `const ${single.replace(/^\*\s+as\s+/, '')} = ${stub};`;
          const bindings = named!
            .split(',')
            .map((b) => b.trim())
            .filter(Boolean)
            .map((b) => b.replace(/^type\s+/, '').replace(/\s+as\s+/, ': '));
          return `const { ${bindings.join(', ')} } = ${stub};`;
        },
      );
      return changed ? { code: HELPER + out, map: null } : null;
    },
  };
}
