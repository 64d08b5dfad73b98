/**
 * The part of js-yaml 4 that core/inputs.ts uses (the package ships no types, and @types/js-yaml is not installed).
 */
declare module "js-yaml" {
  export interface LoadState {
    /** The anchor (&name) of the node being read: null or undefined when it has none. */
    readonly anchor: string | null | undefined;
  }
  export interface LoadOptions {
    readonly filename?: string;
    readonly schema?: Schema;
    readonly json?: boolean;
    readonly listener?: (event: "open" | "close", state: LoadState) => void;
  }
  export interface TypeOptions {
    readonly kind: "scalar" | "sequence" | "mapping";
    readonly resolve?: (data: unknown) => boolean;
    readonly construct?: (data: unknown) => unknown;
  }
  export class Type {
    constructor(tag: string, options: TypeOptions);
  }
  export class Schema {
    extend(types: { implicit?: Type[]; explicit?: Type[] }): Schema;
  }
  export const FAILSAFE_SCHEMA: Schema;
  export function load(text: string, options?: LoadOptions): unknown;
}
