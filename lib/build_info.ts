/**
 * The commit this program was built from. From the sources it is `undefined`;
 * `scripts/build.ts` swaps this whole module for a generated one (through an
 * import map) when it bundles or compiles, so a built file carries its commit
 * without a step that edits code. Keep this file to this one constant.
 * @module
 */

/** The commit of the build (`undefined`: running from the sources). */
export const BUILT_FROM: string | undefined = undefined;
