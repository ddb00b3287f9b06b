// `prebid-uid2/metadata/uid2IdSystem`: the uid2 module's storage disclosures, for bundles with storageControl
// (import it beside `prebid-uid2/modules/uid2IdSystem`, in place of `prebid.js/metadata/uid2IdSystem`).
import { registerMetadata } from './registerMetadata.js';

registerMetadata('uid2');
