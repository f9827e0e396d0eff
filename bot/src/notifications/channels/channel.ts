import type { Locale } from '../../i18n';
import type { OutboxChannel } from '../outbox.entity';
import type { RenderedNotification } from '../templates/template';

/** A resolved recipient: the address for this channel, taken from the staff record at send time. */
export interface DeliveryTarget {
  readonly address: string;
  readonly locale: Locale;
  readonly name?: string;
}

export interface SendOutcome {
  readonly providerId: string;
  readonly providerStatus?: string;
}

export interface SendContext {
  readonly outboxId: number;
}

/** A batch send's outcome: the provider's id, and the members it named as unreachable. */
export interface BatchSendOutcome extends SendOutcome {
  readonly invalidAddresses: readonly string[];
}

/** Worth trying again later (provider down, rate limited, network refused before sending). */
export class RetryableSendError extends Error {
  override name = 'RetryableSendError';
}

/** Trying again cannot help (invalid number, member not in the app's range…): the row goes dead. */
export class PermanentSendError extends Error {
  override name = 'PermanentSendError';
}

/**
 * The request may have reached the provider before the connection failed (a timeout after sending).
 * The relay does not blindly send again: it first asks the provider whether the message exists.
 */
export class UncertainSendError extends Error {
  override name = 'UncertainSendError';
}

/**
 * One outbound channel (DESIGN §4.5): an adapter behind this interface, with a fake for tests.
 */
export interface NotificationChannel {
  readonly channel: OutboxChannel;
  send(target: DeliveryTarget, message: RenderedNotification, context: SendContext): Promise<SendOutcome>;
  /**
   * One message to many addresses in a single provider call (WeCom: `touser` a|b|c, up to 1,000), for
   * batch rows. Asks the provider to suppress an identical request within its window (WeCom: 4 h), so
   * the relay's resend of the same batch after a crash reaches nobody twice.
   */
  sendBatch?(
    addresses: readonly string[],
    message: RenderedNotification,
    context: SendContext,
  ): Promise<BatchSendOutcome>;
  /** For a send that ended uncertain: the provider's record of it, if it was accepted after all. */
  findAccepted?(
    target: DeliveryTarget,
    message: RenderedNotification,
    since: Date,
  ): Promise<SendOutcome | undefined>;
}

export type ChannelSet = Readonly<Partial<Record<OutboxChannel, NotificationChannel>>>;
