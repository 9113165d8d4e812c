/** Placeholder until the package is built. */
export {}
