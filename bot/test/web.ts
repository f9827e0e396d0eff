/**
 * A cookie-keeping HTTP client for admin-web tests: follows nothing automatically (tests look at
 * redirects), remembers cookies per path prefix like a browser, and finds CSRF tokens in pages.
 */
import { expect } from '@jest/globals';

export interface WebResponse {
  readonly status: number;
  readonly location: string | null;
  readonly body: string;
  readonly headers: Headers;
  readonly setCookies: readonly string[];
}

export class WebClient {
  readonly cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private remember(response: Response): string[] {
    const setCookies = response.headers.getSetCookie();
    for (const header of setCookies) {
      const [pair = ''] = header.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(header)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return setCookies;
  }

  async request(
    method: string,
    path: string,
    body?: string | FormData,
    headers: Record<string, string> = {},
  ): Promise<WebResponse> {
    const response = await fetch(this.baseUrl + path, {
      method,
      redirect: 'manual',
      headers: { cookie: this.cookieHeader(), ...headers },
      ...(body === undefined ? {} : { body }),
    });
    const setCookies = this.remember(response);
    return {
      status: response.status,
      location: response.headers.get('location'),
      body: await response.text(),
      headers: response.headers,
      setCookies,
    };
  }

  get(path: string): Promise<WebResponse> {
    return this.request('GET', path);
  }

  post(path: string, form: Record<string, string>): Promise<WebResponse> {
    return this.request('POST', path, new URLSearchParams(form).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
    });
  }

  /** The CSRF token of a page (every form carries it). */
  static csrf(html: string): string {
    return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  }

  /** Signs in through the login form; returns the final response (a redirect on success). */
  async signIn(staffNo: string, password: string, next?: string): Promise<WebResponse> {
    const page = await this.get('/admin/login');
    const path = next === undefined ? '/admin/login' : `/admin/login?next=${encodeURIComponent(next)}`;
    return this.post(path, { _csrf: WebClient.csrf(page.body), staffNo, password });
  }

  /** A client signed in as `staffNo` at `baseUrl`; fails the test unless the login redirects (success). */
  static async signedIn(baseUrl: string, staffNo: string, password: string): Promise<WebClient> {
    const web = new WebClient(baseUrl);
    expect((await web.signIn(staffNo, password)).status).toBe(302);
    return web;
  }

  /** Posts a form with the CSRF token taken from `pagePath`. */
  async submit(pagePath: string, action: string, form: Record<string, string>): Promise<WebResponse> {
    const page = await this.get(pagePath);
    return this.post(action, { _csrf: WebClient.csrf(page.body), ...form });
  }
}
