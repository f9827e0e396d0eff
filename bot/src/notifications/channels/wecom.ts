import {
  InvalidRecipientListError,
  MAX_DUPLICATE_CHECK_SECONDS,
  WecomApiError,
  type OutboundMessage,
  type SendOptions,
  type SendResult,
} from '../../channels/wecom/api-client';
import type { MemberThrottle } from '../../channels/wecom/throttle';
import {
  PermanentSendError,
  RetryableSendError,
  type BatchSendOutcome,
  type DeliveryTarget,
  type NotificationChannel,
  type SendOutcome,
} from './channel';
import type { RenderedNotification } from '../templates/template';

/** Errors about the recipient or the content: sending again changes nothing. */
const PERMANENT_ERRCODES = new Set([40003, 40031, 81013, 44004, 45002, 40008, 47001]);

/** "All the UserIDs are invalid or out of the app's range" — for a batch, every member refused. */
const ALL_RECIPIENTS_INVALID = 81013;

/** message/send to many members at once (`touser` a|b|c), with options such as the duplicate check. */
export type BatchSender = (
  toUsers: readonly string[],
  message: OutboundMessage,
  options: SendOptions,
) => Promise<SendResult>;

/** An image part naming a stored photo (`stored:<media key>`) rather than a WeCom MediaId. */
export const STORED_IMAGE_PREFIX = 'stored:';

/**
 * WeCom pushes via message/send, through the per-member throttle of the WeCom channel. Templates name
 * photos by their storage key; they are uploaded (media/upload) only when the message is sent, because a
 * WeCom MediaId lives 3 days and a held or retried message may go out later than that.
 */
export class WecomPushChannel implements NotificationChannel {
  readonly channel = 'wecom' as const;

  constructor(
    private readonly throttle: MemberThrottle,
    private readonly uploadStoredImage?: (key: string) => Promise<string>,
    /** Batch rows (broadcasts) bypass the per-member throttle: the relay paces batch calls itself. */
    private readonly sendToMany?: BatchSender,
  ) {}

  private async resolve(part: OutboundMessage): Promise<OutboundMessage> {
    if (part.msgtype !== 'image' || !part.image.media_id.startsWith(STORED_IMAGE_PREFIX)) return part;
    if (!this.uploadStoredImage) throw new PermanentSendError('no media upload configured for stored photos');
    const mediaId = await this.uploadStoredImage(part.image.media_id.slice(STORED_IMAGE_PREFIX.length));
    return { msgtype: 'image', image: { media_id: mediaId } };
  }

  async send(target: DeliveryTarget, message: RenderedNotification): Promise<SendOutcome> {
    const parts = message.wecom ?? [{ msgtype: 'text' as const, text: { content: message.text } }];
    let lastId = '';
    try {
      for (const part of parts) {
        const result = await this.throttle.push(target.address, await this.resolve(part));
        if (result.invalidUsers.includes(target.address)) {
          throw new PermanentSendError(`WeCom user ${target.address} cannot receive messages from this app`);
        }
        lastId = result.msgId ?? lastId;
      }
    } catch (error) {
      if (error instanceof PermanentSendError) throw error;
      if (error instanceof WecomApiError && PERMANENT_ERRCODES.has(error.errcode))
        throw new PermanentSendError(error.message);
      throw new RetryableSendError(error instanceof Error ? error.message : String(error));
    }
    return { providerId: lastId || 'wecom', providerStatus: 'sent' };
  }

  /**
   * One message/send call per message part for the whole batch, with WeCom's duplicate check over its
   * longest window (4 h): the relay resends a batch only as the identical request (members frozen when
   * sending started, content rendered from the row) and only within that window, so a batch WeCom
   * accepted just before a crash is not delivered twice. Members WeCom refuses come back as invalid addresses; a batch
   * where WeCom refuses everyone (81013) is all invalid rather than an error.
   */
  async sendBatch(addresses: readonly string[], message: RenderedNotification): Promise<BatchSendOutcome> {
    if (!this.sendToMany) throw new PermanentSendError('no batch sender configured for WeCom');
    const parts = message.wecom ?? [{ msgtype: 'text' as const, text: { content: message.text } }];
    // A stored photo would be uploaded afresh each time, making a resend a different request.
    if (parts.some((part) => part.msgtype === 'image'))
      throw new PermanentSendError('image messages cannot be sent to a batch');
    const invalid = new Set<string>();
    let lastId = '';
    try {
      for (const part of parts) {
        const result = await this.sendToMany(addresses, part, {
          duplicateCheckSeconds: MAX_DUPLICATE_CHECK_SECONDS,
        });
        result.invalidUsers.forEach((user) => invalid.add(user));
        lastId = result.msgId ?? lastId;
      }
    } catch (error) {
      // A member list WeCom could never take (the API client checks it before the first call) is refused
      // for good, not retried as if WeCom were down.
      if (error instanceof InvalidRecipientListError) throw new PermanentSendError(error.message);
      if (error instanceof WecomApiError && error.errcode === ALL_RECIPIENTS_INVALID)
        return { providerId: 'none', providerStatus: 'invalid', invalidAddresses: [...addresses] };
      if (error instanceof WecomApiError && PERMANENT_ERRCODES.has(error.errcode))
        throw new PermanentSendError(error.message);
      throw new RetryableSendError(error instanceof Error ? error.message : String(error));
    }
    return { providerId: lastId || 'wecom', providerStatus: 'sent', invalidAddresses: [...invalid] };
  }
}
