// Bytes each module adds to a core + userId bundle, ours against Prebid's official uid2IdSystem.
import { measureSize, type BundleSize, type Variant } from './bundles.js';
import { adapterSizes, type AdapterSizes } from './peers.js';

export interface SizeReport {
  baseline: BundleSize;
  officialUid2Added: BundleSize;
  ourUid2Added: BundleSize;
  ourAdapterAdded: BundleSize;
  /** the adapter beside five of Prebid's ortbConverter adapters, same run */
  adapter: AdapterSizes;
  /** ours / official, gzip bytes added */
  gzipRatio: number;
  minifiedRatio: number;
}

function added(total: BundleSize, baseline: BundleSize): BundleSize {
  return { minified: total.minified - baseline.minified, gzip: total.gzip - baseline.gzip };
}

export async function benchSize(bundles: Record<Variant, string>): Promise<SizeReport> {
  const [baseline, official, ours, adapter] = await Promise.all(
    (['baseline', 'official', 'ours', 'adapter'] as const).map((variant) => measureSize(bundles[variant])),
  );
  const officialUid2Added = added(official, baseline);
  const ourUid2Added = added(ours, baseline);
  return {
    baseline,
    officialUid2Added,
    ourUid2Added,
    ourAdapterAdded: added(adapter, baseline),
    adapter: await adapterSizes(bundles),
    gzipRatio: ourUid2Added.gzip / officialUid2Added.gzip,
    minifiedRatio: ourUid2Added.minified / officialUid2Added.minified,
  };
}
