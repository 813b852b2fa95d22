/**
 * T with every option present and defined: what a config is once its defaults are filled in.
 * (`Required<T>` keeps the `| undefined` of options declared `x?: V | undefined`, so under
 * `exactOptionalPropertyTypes` a resolved field would still admit undefined.)
 */
export type Resolved<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };
