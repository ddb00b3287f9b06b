// The custom Prebid.js bundle publishers build: core, the modules the demo needs, and ours.
import pbjs from 'prebid.js';
import 'prebid.js/modules/consentManagementTcf';
import 'prebid.js/modules/tcfControl';
import 'prebid.js/modules/consentManagementUsp';
import 'prebid.js/modules/consentManagementGpp';
import 'prebid.js/modules/currency';
import 'prebid.js/modules/priceFloors';
import 'prebid.js/modules/userId';
import './modules/uid2IdSystem.js';
import './modules/openrtbSspBidAdapter.js';

pbjs.processQueue();
export default pbjs;
