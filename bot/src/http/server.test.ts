import http from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { sleep } from '../../test/support';
import { serveHttp } from './server';

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

describe('serveHttp graceful close', () => {
  it('finishes in-flight requests, refuses new connections, then resolves', async () => {
    let started = 0;
    const server = await serveHttp(
      (req, res) => {
        started += 1;
        setTimeout(() => res.end('finished'), 300);
      },
      0,
      '127.0.0.1',
    );
    const url = `http://127.0.0.1:${server.address.port}/`;
    const inFlight = get(url);
    while (started === 0) await sleep(5);

    const closed = server.close(5000);
    await expect(get(url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(await inFlight).toEqual({ status: 200, body: 'finished' });
    await closed;
  });

  it('cuts requests still open when the grace period ends', async () => {
    const server = await serveHttp(() => undefined /* never answers */, 0, '127.0.0.1');
    const hanging = get(`http://127.0.0.1:${server.address.port}/`);
    await sleep(50);
    await server.close(200);
    await expect(hanging).rejects.toMatchObject({ code: 'ECONNRESET' });
  });
});
