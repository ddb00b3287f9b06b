// The local UID2 world's two servers, started one way for `npm start` (demo/start.ts adds its pages and receivers),
// the specs (karma's local servers, the operator harness) and the bench: the local UID2 operator, on
// local-config.json with the chosen lifetimes (or a config given), and the mock SSP, which decrypts UID2 tokens with
// the operator's bidstream keys as its receiver (the config's ID_READER client).
import http, { type Server } from 'node:http';
import { closeServer, listenServer, loopbackUrl } from './http.js';
import { LOCAL_OPERATOR_CONFIG, loadOperatorConfig, type LifetimesChoice, type OperatorConfig } from './operator/config.js';
import { createOperator, type Operator, type OperatorOptions } from './operator/operator.js';
import { createSsp, type Ssp } from './ssp/ssp.js';
import { receiverCredentialsOf } from './ssp/uid2.js';

export interface LocalStackOptions {
  /** the operator's config; default local-config.json with `lifetimes` */
  config?: OperatorConfig;
  /** of local-config.json: 'local' (its own, the default), 'demo', or demo lifetimes with some replaced (the file's rotation) */
  lifetimes?: LifetimesChoice;
  /** bind address of both servers; default 127.0.0.1 */
  host?: string;
  /** 0 (default): an ephemeral port */
  operatorPort?: number;
  sspPort?: number;
  /** the operator's clock, key material and request log */
  operator?: OperatorOptions;
  /** false: the operator alone; else the SSP's request log and its URL as browsers open it (its tracker and creative URLs) */
  ssp?: false | { log?: (line: string) => void; publicUrl?: (port: number) => string };
  /** false: the servers do not keep the process alive (specs, the bench) */
  keepAlive?: boolean;
}

export interface LocalStack {
  config: OperatorConfig;
  operator: Operator;
  /** base URL on the loopback address, as the servers reach each other */
  operatorUrl: string;
  operatorPort: number;
  /** absent with `ssp: false` */
  ssp?: { ssp: Ssp; url: string; port: number };
  close(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const host = options.host ?? '127.0.0.1';
  const servers: Server[] = [];
  const stops: Array<() => void> = [];
  const close = () => {
    stops.forEach((stop) => stop());
    return Promise.all(servers.filter((s) => s.listening).map(closeServer)).then(() => undefined);
  };
  const serve = async (server: Server, port: number | undefined) => {
    servers.push(server);
    const bound = await listenServer(server, port ?? 0, host);
    if (options.keepAlive === false) server.unref();
    return bound;
  };
  try {
    const config = options.config ?? (await loadOperatorConfig(LOCAL_OPERATOR_CONFIG, options.lifetimes));
    const operator = createOperator(config, options.operator);
    await operator.ready;
    const operatorPort = await serve(http.createServer(operator.handler), options.operatorPort);
    const operatorUrl = loopbackUrl(host, operatorPort);
    if (options.ssp === false) return { config, operator, operatorUrl, operatorPort, close };

    // the SSP's public URL is known once it listens
    const sspServer = http.createServer();
    const sspPort = await serve(sspServer, options.sspPort);
    const { log, publicUrl } = options.ssp ?? {};
    const ssp = createSsp({ operatorUrl, ...receiverCredentialsOf(config), ...(publicUrl && { publicUrl: publicUrl(sspPort) }), ...(log && { log }) });
    stops.push(() => ssp.close());
    sspServer.on('request', ssp.handler);
    await ssp.ready;
    return { config, operator, operatorUrl, operatorPort, ssp: { ssp, url: loopbackUrl(host, sspPort), port: sspPort }, close };
  } catch (error) {
    await close();
    throw error;
  }
}
