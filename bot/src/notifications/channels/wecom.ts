import { WecomApiError, type OutboundMessage } from '../../channels/wecom/api-client';
import type { MemberThrottle } from '../../channels/wecom/throttle';
import {
  PermanentSendError,
  RetryableSendError,
  type DeliveryTarget,
  type NotificationChannel,
  type SendOutcome,
} from './channel';
import type { RenderedNotification } from '../templates/template';

/** Errors about the recipient or the content: sending again changes nothing. */
const PERMANENT_ERRCODES = new Set([40003, 40031, 81013, 44004, 45002, 40008, 47001]);

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
}
