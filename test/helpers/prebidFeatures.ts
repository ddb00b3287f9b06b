/**
 * Prebid's build features (`FEATURES.VIDEO`, `FEATURES.NATIVE`, …) for our karma runs. Prebid's own test build
 * replaces `FEATURES.X` with a boolean (its babel plugin, plugins/pbjsGlobals.js): all true for `gulp test`'s
 * main pass, all false for its features-off pass. Specs that need a feature guard their tests with
 * `if (FEATURES.VIDEO)`, as Prebid's specs do, so they hold in both passes once written into Prebid's tree
 * (tools/writePrebidTree.ts). Here every feature is on, as in the dist build publishers bundle.
 */
import { readFileSync } from 'node:fs';

/** this file runs as build/node/test/helpers/prebidFeatures.js; the package's exports map leaves features.json out */
const FEATURES_JSON = new URL('../../../../node_modules/prebid.js/features.json', import.meta.url);

/** webpack DefinePlugin definitions: `FEATURES.<name>` → `true` for each feature of Prebid's features.json */
export function allPrebidFeaturesOn(): Record<string, string> {
  const features: string[] = JSON.parse(readFileSync(FEATURES_JSON, 'utf8'));
  return Object.fromEntries(features.map((feature) => [`FEATURES.${feature}`, 'true']));
}
