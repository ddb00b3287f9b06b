// Bytes the openrtbSsp adapter adds to a core + userId bundle beside five of Prebid's own ortbConverter adapters,
// all from bundles of one webpack run (buildVariants), and ours against the peers' median.
import { measureSize, PEER_ADAPTERS, type BundleSize, type PeerAdapter, type Variant } from './bundles.js';
import { median } from './median.js';

export interface AdapterSizes {
  ours: BundleSize;
  peers: Record<PeerAdapter, BundleSize>;
  /** the median of the peers' gzip bytes added */
  peerMedianGzip: number;
  /** ours / the peers' median, gzip */
  gzipRatio: number;
}

export async function adapterSizes(bundles: Record<'baseline' | 'adapter' | PeerAdapter, string>): Promise<AdapterSizes> {
  const baseline = await measureSize(bundles.baseline);
  const added = async (variant: Variant & keyof typeof bundles): Promise<BundleSize> => {
    const { minified, gzip } = await measureSize(bundles[variant]);
    return { minified: minified - baseline.minified, gzip: gzip - baseline.gzip };
  };
  const ours = await added('adapter');
  const peers = Object.fromEntries(await Promise.all(PEER_ADAPTERS.map(async (peer) => [peer, await added(peer)]))) as Record<PeerAdapter, BundleSize>;
  const peerMedianGzip = median(Object.values(peers).map((size) => size.gzip));
  return { ours, peers, peerMedianGzip, gzipRatio: ours.gzip / peerMedianGzip };
}
