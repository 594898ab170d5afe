/** snappyjs 0.7.0 ships no types; these are the two functions of its README. */
declare module "snappyjs" {
    export function compress<T extends Uint8Array | ArrayBuffer>(input: T): T;
    export function uncompress<T extends Uint8Array | ArrayBuffer>(input: T, maxLength?: number): T;
}
