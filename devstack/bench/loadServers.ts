// The servers `devstack/bench/load.ts` loads, in a child process of their own so that their memory is measured alone:
// the local UID2 operator, the mock SSP (decrypting with the operator's bidstream keys) and a trivial Node HTTP
// handler as the reference, each on a loopback port. Tells the parent its ports, then answers "rss" requests.
import { listen } from '../http.js';
import { startLocalStack } from '../localStack.js';

export interface LoadServerPorts {
  trivial: string;
  operator: string;
  ssp: string;
}

/** parent → child: 'rss' asks for the resident set size, answered as {rss: bytes} */
export type LoadServerMessage = { ports: LoadServerPorts } | { rss: number };

const stack = await startLocalStack();
// the reference: what Node's http module costs with no work behind it
const trivial = await listen((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok'));
});

const ports: LoadServerMessage = { ports: { trivial: trivial.url, operator: stack.operatorUrl, ssp: stack.ssp!.url } };
process.send!(ports);
process.on('message', (message) => {
  if (message === 'rss') process.send!({ rss: process.memoryUsage().rss } satisfies LoadServerMessage);
  if (message === 'exit') {
    trivial.server.closeAllConnections();
    void stack.close();
    process.exit(0);
  }
});
