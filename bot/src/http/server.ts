import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpServer {
  readonly address: AddressInfo;
  /**
   * Graceful close: stop accepting, let in-flight requests finish (idle keep-alive connections are
   * closed at once), and cut whatever is still open after `graceMs`.
   */
  close(graceMs: number): Promise<void>;
}

/** Listens with timeouts suited to a public endpoint; resolves once the port is bound. */
export async function serveHttp(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => unknown,
  port: number,
  host: string | undefined,
): Promise<HttpServer> {
  // Koa's callback answers its own errors; the returned promise carries nothing to wait for.
  const server = http.createServer((req, res) => void handler(req, res));
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  return {
    address: server.address() as AddressInfo,
    close(graceMs) {
      closing ??= new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        // A keep-alive connection becomes idle once its in-flight response is sent; close those as
        // they appear instead of waiting for the client's keep-alive to lapse.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        server.close(() => {
          clearTimeout(force);
          clearInterval(sweep);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
