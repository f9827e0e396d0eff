import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { OutboundMessage, SendResult } from './api-client';
import { MemberThrottle } from './throttle';

describe('MemberThrottle', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-11-22T08:00:00Z') });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  function recordingSender() {
    const sent: Array<{ to: string; message: OutboundMessage; at: number }> = [];
    const send = (to: string, message: OutboundMessage): Promise<SendResult> => {
      sent.push({ to, message, at: Date.now() });
      return Promise.resolve({ msgId: String(sent.length), invalidUsers: [] });
    };
    return { sent, send };
  }
  const text = (content: string): OutboundMessage => ({ msgtype: 'text', text: { content } });
  const contents = (sent: Array<{ message: OutboundMessage }>) =>
    sent.map(({ message }) => (message.msgtype === 'text' ? message.text.content : message.msgtype));

  it('sends under the per-minute limit at once, then queues and merges texts until the window allows', async () => {
    const { sent, send } = recordingSender();
    const throttle = new MemberThrottle(send, { perMinute: 3, perHour: 100 });
    const deliveries = ['一', '二', '三', '四', '五', '六'].map((content) =>
      throttle.push('zhangsan', text(content)),
    );
    expect(contents(sent)).toEqual(['一', '二', '三']);
    expect(throttle.queued('zhangsan')).toBe(1); // 四, 五, 六 merged into one waiting message

    await jest.advanceTimersByTimeAsync(59_000);
    expect(sent).toHaveLength(3);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(contents(sent)).toEqual(['一', '二', '三', '四\n\n五\n\n六']);
    await expect(Promise.all(deliveries)).resolves.toHaveLength(6);
  });

  it('keeps members apart and does not merge non-text messages', async () => {
    const { sent, send } = recordingSender();
    const throttle = new MemberThrottle(send, { perMinute: 1, perHour: 100 });
    void throttle.push('a', text('a1'));
    void throttle.push('b', text('b1'));
    void throttle.push('a', { msgtype: 'markdown', markdown: { content: 'm' } });
    void throttle.push('a', text('a2'));
    expect(sent.map((entry) => entry.to)).toEqual(['a', 'b']);
    expect(throttle.queued('a')).toBe(2);
    await jest.advanceTimersByTimeAsync(60_000);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(contents(sent.filter((entry) => entry.to === 'a'))).toEqual(['a1', 'markdown', 'a2']);
  });

  it('respects the hourly limit too', async () => {
    const { sent, send } = recordingSender();
    const throttle = new MemberThrottle(send, { perMinute: 100, perHour: 2 });
    void throttle.push('a', { msgtype: 'markdown', markdown: { content: '1' } });
    void throttle.push('a', { msgtype: 'markdown', markdown: { content: '2' } });
    void throttle.push('a', { msgtype: 'markdown', markdown: { content: '3' } });
    expect(sent).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(59 * 60_000);
    expect(sent).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(sent).toHaveLength(3);
  });

  it('never merges beyond the 2048-byte text limit', () => {
    const { sent, send } = recordingSender();
    const throttle = new MemberThrottle(send, { perMinute: 1, perHour: 100 });
    void throttle.push('a', text('first'));
    void throttle.push('a', text('x'.repeat(1500)));
    void throttle.push('a', text('y'.repeat(1500)));
    expect(sent).toHaveLength(1);
    expect(throttle.queued('a')).toBe(2);
  });

  it('passes a send failure to every merged caller', async () => {
    const throttle = new MemberThrottle(() => Promise.reject(new Error('WeCom down')), {
      perMinute: 1,
      perHour: 100,
    });
    await expect(throttle.push('a', text('x'))).rejects.toThrow('WeCom down');
  });
});
