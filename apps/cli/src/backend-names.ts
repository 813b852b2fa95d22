/** The backends `--backend` names; `auto` picks native, else wasm, else cpu. */
export const BACKEND_NAMES = ['auto', 'native', 'wasm', 'cpu'] as const;
/** The help text of every `--backend` flag. */
export const BACKEND_HELP = BACKEND_NAMES.join(' | ');
