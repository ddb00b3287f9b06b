// The servers `bench/load.ts` loads, in a child process of their own so that their memory is measured alone:
// the local UID2 operator, the mock SSP (decrypting with the operator's bidstream keys) and a trivial Node HTTP
// handler as the reference, each on a loopback port. Tells the parent its ports, then answers "rss" requests.
import { listen } from '../server/http.js';
import { LOCAL_OPERATOR_CONFIG, loadOperatorConfig } from '../server/operator/config.js';
import { createOperator } from '../server/operator/operator.js';
import { createSsp } from '../server/ssp/ssp.js';
import { localReceiverCredentials } from '../server/ssp/uid2.js';

export interface LoadServerPorts {
  trivial: string;
  operator: string;
  ssp: string;
}

/** parent → child: 'rss' asks for the resident set size, answered as {rss: bytes} */
export type LoadServerMessage = { ports: LoadServerPorts } | { rss: number };

const operator = createOperator(await loadOperatorConfig(LOCAL_OPERATOR_CONFIG));
await operator.ready;
const operatorServer = await operator.listen(0);
const ssp = createSsp({ operatorUrl: operatorServer.url, ...(await localReceiverCredentials()) });
await ssp.ready;
const sspServer = await ssp.listen(0);
// the reference: what Node's http module costs with no work behind it
const trivial = await listen((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok'));
});

const ports: LoadServerMessage = { ports: { trivial: trivial.url, operator: operatorServer.url, ssp: sspServer.url } };
process.send!(ports);
process.on('message', (message) => {
  if (message === 'rss') process.send!({ rss: process.memoryUsage().rss } satisfies LoadServerMessage);
  if (message === 'exit') {
    ssp.close();
    for (const server of [trivial.server, operatorServer.server, sspServer.server]) server.closeAllConnections();
    process.exit(0);
  }
});
