/**
 * A stand-in for Twilio's Messages API on 127.0.0.1, spoken to by the real `twilio` SDK (through
 * TWILIO_API_BASE): create (form-encoded POST, HTTP Basic auth), list with To / DateSent> filters, and
 * the faults the relay must survive — error statuses, a request accepted but never answered, the whole
 * service down. It can also play Twilio's side of delivery reports, signed like Twilio signs them.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';

export interface FakeSms {
  readonly sid: string;
  readonly to: string;
  readonly from: string;
  readonly body: string;
  readonly statusCallback: string | undefined;
  readonly receivedAt: number;
}

type Fault = { kind: 'status'; status: number; code: number } | { kind: 'hang' };

export class FakeTwilio {
  readonly messages: FakeSms[] = [];
  private readonly faults: Fault[] = [];
  private server: http.Server | undefined;
  private port = 0;
  private readonly hanging = new Set<http.ServerResponse>();

  constructor(
    readonly accountSid = `AC${'1'.repeat(32)}`,
    readonly authToken = 'fake-twilio-auth-token',
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Takes the service down (connections refused) until `start()` again, on the same port. */
  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  /** The next `times` creates answer with this HTTP status and Twilio error code. */
  failNext(status: number, times = 1, code = status === 429 ? 20429 : 20500): void {
    for (let i = 0; i < times; i += 1) this.faults.push({ kind: 'status', status, code });
  }

  /** The next create is recorded as accepted, but the answer never comes (the client times out). */
  hangNext(): void {
    this.faults.push({ kind: 'hang' });
  }

  to(number: string): FakeSms[] {
    return this.messages.filter((message) => message.to === number);
  }

  /** Posts a delivery report to `url` exactly as Twilio would, signed with the auth token. */
  async report(
    url: string,
    sid: string,
    status: string,
    options: { signWith?: string; extra?: Record<string, string> } = {},
  ): Promise<number> {
    const params: Record<string, string> = {
      MessageSid: sid,
      SmsSid: sid,
      MessageStatus: status,
      SmsStatus: status,
      AccountSid: this.accountSid,
      ...options.extra,
    };
    const signature = twilio.getExpectedTwilioSignature(options.signWith ?? this.authToken, url, params);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params).toString(),
    });
    return response.status;
  }

  private authorized(req: http.IncomingMessage): boolean {
    const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
    return req.headers.authorization === expected;
  }

  private json(res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const path = `/2010-04-01/Accounts/${this.accountSid}/Messages.json`;
    if (url.pathname !== path) return this.json(res, 404, { code: 20404, message: 'not found', status: 404 });
    if (!this.authorized(req))
      return this.json(res, 401, { code: 20003, message: 'Authenticate', status: 401 });
    if (req.method === 'GET') return this.list(url, res);
    let raw = '';
    for await (const chunk of req) raw += (chunk as Buffer).toString('utf8');
    const form = new URLSearchParams(raw);
    const fault = this.faults.shift();
    if (fault?.kind === 'status')
      return this.json(res, fault.status, {
        code: fault.code,
        message: 'injected failure',
        status: fault.status,
      });
    const to = form.get('To') ?? '';
    if (!/^\+[1-9]\d{6,14}$/.test(to))
      return this.json(res, 400, {
        code: 21211,
        message: `The 'To' number ${to} is not a valid phone number.`,
        status: 400,
      });
    const message: FakeSms = {
      sid: `SM${randomBytes(16).toString('hex')}`,
      to,
      from: form.get('From') ?? form.get('MessagingServiceSid') ?? '',
      body: form.get('Body') ?? '',
      statusCallback: form.get('StatusCallback') ?? undefined,
      receivedAt: Date.now(),
    };
    this.messages.push(message);
    if (fault?.kind === 'hang') {
      this.hanging.add(res);
      return;
    }
    this.json(res, 201, this.resource(message));
  }

  private list(url: URL, res: http.ServerResponse): void {
    const to = url.searchParams.get('To');
    const after = url.searchParams.get('DateSent>');
    const matching = this.messages.filter(
      (message) => (!to || message.to === to) && (!after || message.receivedAt >= Date.parse(after)),
    );
    this.json(res, 200, {
      messages: matching.map((message) => this.resource(message)),
      next_page_uri: null,
      page: 0,
      page_size: 50,
      uri: url.pathname,
    });
  }

  private resource(message: FakeSms) {
    return {
      sid: message.sid,
      account_sid: this.accountSid,
      to: message.to,
      from: message.from,
      body: message.body,
      status: 'queued',
      num_segments: '1',
      direction: 'outbound-api',
      date_created: new Date(message.receivedAt).toUTCString(),
      date_sent: new Date(message.receivedAt).toUTCString(),
      date_updated: new Date(message.receivedAt).toUTCString(),
      uri: `/2010-04-01/Accounts/${this.accountSid}/Messages/${message.sid}.json`,
    };
  }
}
