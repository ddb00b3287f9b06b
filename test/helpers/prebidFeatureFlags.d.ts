// Prebid's build features, as its own sources declare them (src/types/local/buildOptions.d.ts): replaced with
// booleans at build time, by DefinePlugin in our karma runs (test/helpers/prebidFeatures.ts) and by Prebid's
// babel plugin in its tree. Not a module of its own in Prebid's tree: the specs written there are JavaScript.
export {};
declare global {
  const FEATURES: { [feature: string]: boolean };
}
