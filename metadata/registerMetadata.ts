/**
 * Registers a module's storage disclosures with Prebid's metadata repository, as `prebid.js/metadata/<module>`
 * does for Prebid's own modules: storageControl then allows the keys listed, and `pbjs.getStorageUseDisclosures()`
 * lists them. A separate entry point, paired with the module import as Prebid's are, so that a bundle without
 * storageControl carries none of it.
 */
import { metadata } from 'prebid.js/libraries/metadata/metadata.js';
import { disclosureUrl, MODULE_FILES, storageDisclosure } from '../libraries/uid2Module/disclosures.js';

/** `repository`: Prebid's own, which storageControl reads (another only in tests) */
export function registerMetadata(name: keyof typeof MODULE_FILES, repository = metadata): void {
  const url = disclosureUrl(name);
  // Prebid's compiled metadata keeps the disclosures without their `domains` (what its runtime reads)
  const disclosures = storageDisclosure(name).disclosures.map(({ domains, ...disclosure }) => disclosure);
  repository.register(MODULE_FILES[name], {
    disclosures: { [url]: { disclosures } },
    components: [{ componentType: 'userId', componentName: name, disclosureURL: url }],
  });
}
