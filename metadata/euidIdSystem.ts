// `prebid-uid2/metadata/euidIdSystem`: the euid module's storage disclosures, for bundles with storageControl
// (import it beside `prebid-uid2/modules/euidIdSystem`, in place of `prebid.js/metadata/euidIdSystem`).
import { registerMetadata } from './registerMetadata.js';

registerMetadata('euid');
