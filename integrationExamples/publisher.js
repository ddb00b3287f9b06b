// The publisher page, client-side route: log in → the module gets a UID2 token from the operator (CSTG) →
// stored → sent to the SSP → decrypted → ad. Everything shown comes from Prebid's public API and events, the
// module's storage, and the SSP's answer (the panels: publisher-panels.js).
import {
  STATE_LABELS, demoConfig, diiParam, identityState, logIn, logOut, readStoredIdentity, showEnvironment, uid2UserSync,
  whenPrebidReady, wireTestIdentities,
} from './demo-common.js';
import { insertLoginControls, insertSharedPanels, startPublisherPanels } from './publisher-panels.js';

const config = demoConfig();
const $ = (id) => document.getElementById(id);
insertLoginControls($('login-panel'));
insertSharedPanels(document.querySelector('main.grid'), {
  first: 2,
  identityHint: 'Prebid refreshes the token in the background once "refresh from" has passed.',
  storageHint: ':',
});

showEnvironment($('environment'), config);
const pbjs = await whenPrebidReady();
pbjs.setConfig({
  userSync: uid2UserSync(config, {}),
  openrtbSsp: { endpoint: config.sspEndpoint },
});
const { logEvent, runAuction, track, showIdentity } = startPublisherPanels(pbjs, config);

const form = $('login-form');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const dii = diiParam($('login-input').value);
  logEvent(`Logged in with ${dii.email ? 'an email address' : 'a phone number'}: Prebid asks the UID2 operator for a token`);
  await track('generating', logIn(pbjs, config, dii));
  const state = identityState(readStoredIdentity(), Date.now());
  logEvent({
    optout: 'The UID2 operator says this user opted out: no token',
    none: 'No token: is that a valid email address, or a phone number like +12025550123? (details in the console)',
  }[state] || `UID2 identity: ${STATE_LABELS[state].toLowerCase()}`);
  await runAuction();
});
wireTestIdentities(form, $('login-input'));

$('logout-button').addEventListener('click', async () => {
  logOut(pbjs, config);
  logEvent('Logged out: identity cleared, no reload: the next auction has no UID2');
  showIdentity();
  await runAuction();
});

await pbjs.getUserIdsAsync();
showIdentity();
await runAuction();
