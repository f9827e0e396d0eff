/**
 * The typed, normalised message business code sees (DESIGN §4.9). Built from the parsed XML through an
 * allow list: only the fields below are read, every value is a string or number we converted ourselves,
 * and a field that appears twice is an error rather than an array.
 * Field reference: https://developer.work.weixin.qq.com/document/path/90239 (消息格式) and
 * https://developer.work.weixin.qq.com/document/path/90240 (事件格式).
 */
import { createHash } from 'node:crypto';
import { XmlError, type XmlElement } from './xml';

export const EVENT_NAMES = [
  'subscribe',
  'unsubscribe',
  'enter_agent',
  'LOCATION',
  'click',
  'view',
  'scancode_push',
  'scancode_waitmsg',
  'pic_sysphoto',
  'pic_photo_or_album',
  'pic_weixin',
  'location_select',
  'template_card_event',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

interface Envelope {
  /** The CorpID the message was sent to. */
  readonly toUserName: string;
  /** The member's UserID. */
  readonly fromUserName: string;
  /** Seconds since the epoch, as WeCom stamped it. */
  readonly createTime: number;
  readonly agentId: number | undefined;
}

export type InboundMessage = Envelope &
  (
    | { readonly type: 'text'; readonly msgId: string; readonly content: string }
    | { readonly type: 'image'; readonly msgId: string; readonly mediaId: string; readonly picUrl: string }
    | { readonly type: 'voice'; readonly msgId: string; readonly mediaId: string; readonly format: string }
    | {
        readonly type: 'video';
        readonly msgId: string;
        readonly mediaId: string;
        readonly thumbMediaId: string;
      }
    | {
        readonly type: 'location';
        readonly msgId: string;
        readonly latitude: number;
        readonly longitude: number;
        readonly scale: number | undefined;
        readonly label: string;
      }
    | {
        readonly type: 'link';
        readonly msgId: string;
        readonly title: string;
        readonly description: string;
        readonly url: string;
        readonly picUrl: string;
      }
    | ({ readonly type: 'event'; readonly eventKey: string } & EventDetails)
    | {
        readonly type: 'unsupported';
        readonly msgType: string;
        readonly event: string | undefined;
        readonly msgId: string | undefined;
      }
  );

export type EventDetails =
  | { readonly event: 'subscribe' | 'unsubscribe' | 'enter_agent' | 'click' | 'view' }
  | {
      readonly event: 'LOCATION';
      readonly latitude: number;
      readonly longitude: number;
      readonly precision: number | undefined;
    }
  | {
      readonly event: 'scancode_push' | 'scancode_waitmsg';
      readonly scanType: string;
      readonly scanResult: string;
    }
  | {
      readonly event: 'pic_sysphoto' | 'pic_photo_or_album' | 'pic_weixin';
      readonly count: number;
      readonly picMd5Sums: readonly string[];
    }
  | {
      readonly event: 'location_select';
      readonly latitude: number;
      readonly longitude: number;
      readonly scale: number | undefined;
      readonly label: string;
      readonly poiName: string;
    }
  | {
      readonly event: 'template_card_event';
      readonly taskId: string;
      readonly cardType: string;
      readonly responseCode: string;
      readonly selectedItems: ReadonlyArray<{
        readonly questionKey: string;
        readonly optionIds: readonly string[];
      }>;
    };

export type InboundEvent = Extract<InboundMessage, { type: 'event' }>;

/** Field access over one element's children that refuses repeats and converts values. */
class Fields {
  private readonly byName = new Map<string, XmlElement>();

  constructor(private readonly element: XmlElement) {
    for (const child of element.children) {
      if (this.byName.has(child.name)) throw new XmlError(`<${child.name}> appears more than once`, 0);
      this.byName.set(child.name, child);
    }
  }

  child(name: string): XmlElement | undefined {
    return this.byName.get(name);
  }

  optional(name: string): string | undefined {
    const child = this.byName.get(name);
    if (child === undefined) return undefined;
    if (child.children.length > 0) throw new XmlError(`<${name}> must hold text`, 0);
    return child.text;
  }

  text(name: string): string {
    return this.optional(name) ?? '';
  }

  required(name: string): string {
    const value = this.optional(name);
    if (value === undefined || value === '')
      throw new XmlError(`<${name}> is missing in <${this.element.name}>`, 0);
    return value;
  }

  integer(name: string): number {
    const value = this.required(name).trim();
    if (!/^\d{1,15}$/.test(value)) throw new XmlError(`<${name}> must be a whole number`, 0);
    return Number(value);
  }

  optionalInteger(name: string): number | undefined {
    return this.optional(name) === undefined || this.optional(name)?.trim() === ''
      ? undefined
      : this.integer(name);
  }

  decimal(name: string): number {
    const value = Number(this.required(name).trim());
    if (!Number.isFinite(value)) throw new XmlError(`<${name}> must be a number`, 0);
    return value;
  }

  optionalDecimal(name: string): number | undefined {
    return this.optional(name) === undefined || this.optional(name)?.trim() === ''
      ? undefined
      : this.decimal(name);
  }

  /** Children of `<container>` named `item` (a list: repeats allowed only here). */
  list(container: string, item: string): XmlElement[] {
    const parent = this.byName.get(container);
    if (!parent) return [];
    return parent.children.filter((child) => {
      if (child.name !== item) throw new XmlError(`unexpected <${child.name}> in <${container}>`, 0);
      return true;
    });
  }
}

function latitude(value: number, name: string): number {
  if (value < -90 || value > 90) throw new XmlError(`<${name}> is not a latitude`, 0);
  return value;
}

function longitude(value: number, name: string): number {
  if (value < -180 || value > 180) throw new XmlError(`<${name}> is not a longitude`, 0);
  return value;
}

function eventDetails(event: string, fields: Fields): EventDetails | undefined {
  switch (event) {
    case 'subscribe':
    case 'unsubscribe':
    case 'enter_agent':
    case 'click':
    case 'view':
      return { event };
    case 'LOCATION':
      return {
        event,
        latitude: latitude(fields.decimal('Latitude'), 'Latitude'),
        longitude: longitude(fields.decimal('Longitude'), 'Longitude'),
        precision: fields.optionalDecimal('Precision'),
      };
    case 'scancode_push':
    case 'scancode_waitmsg': {
      const info = fields.child('ScanCodeInfo');
      const scan = new Fields(info ?? { name: 'ScanCodeInfo', text: '', children: [] });
      return { event, scanType: scan.text('ScanType'), scanResult: scan.text('ScanResult') };
    }
    case 'pic_sysphoto':
    case 'pic_photo_or_album':
    case 'pic_weixin': {
      const info = new Fields(
        fields.child('SendPicsInfo') ?? { name: 'SendPicsInfo', text: '', children: [] },
      );
      const sums = info.list('PicList', 'item').map((item) => new Fields(item).text('PicMd5Sum'));
      return { event, count: info.optionalInteger('Count') ?? sums.length, picMd5Sums: sums };
    }
    case 'location_select': {
      const info = new Fields(
        fields.child('SendLocationInfo') ?? { name: 'SendLocationInfo', text: '', children: [] },
      );
      return {
        event,
        latitude: latitude(info.decimal('Location_X'), 'Location_X'),
        longitude: longitude(info.decimal('Location_Y'), 'Location_Y'),
        scale: info.optionalDecimal('Scale'),
        label: info.text('Label'),
        poiName: info.text('Poiname'),
      };
    }
    case 'template_card_event': {
      const selectedItems = fields.list('SelectedItems', 'SelectedItem').map((item) => {
        const itemFields = new Fields(item);
        return {
          questionKey: itemFields.text('QuestionKey'),
          optionIds: itemFields.list('OptionIds', 'OptionId').map((option) => option.text),
        };
      });
      return {
        event,
        taskId: fields.text('TaskId'),
        cardType: fields.text('CardType'),
        responseCode: fields.text('ResponseCode'),
        selectedItems,
      };
    }
    default:
      return undefined;
  }
}

/** Converts the decrypted inner XML into an {@link InboundMessage}; throws XmlError if it does not fit. */
export function toInboundMessage(root: XmlElement): InboundMessage {
  if (root.name !== 'xml') throw new XmlError('the root element must be <xml>', 0);
  const fields = new Fields(root);
  const envelope: Envelope = {
    toUserName: fields.required('ToUserName'),
    fromUserName: fields.required('FromUserName'),
    createTime: fields.integer('CreateTime'),
    agentId: fields.optionalInteger('AgentID'),
  };
  const msgType = fields.required('MsgType');
  switch (msgType) {
    case 'text':
      return { ...envelope, type: 'text', msgId: fields.required('MsgId'), content: fields.text('Content') };
    case 'image':
      return {
        ...envelope,
        type: 'image',
        msgId: fields.required('MsgId'),
        mediaId: fields.required('MediaId'),
        picUrl: fields.text('PicUrl'),
      };
    case 'voice':
      return {
        ...envelope,
        type: 'voice',
        msgId: fields.required('MsgId'),
        mediaId: fields.required('MediaId'),
        format: fields.text('Format'),
      };
    case 'video':
      return {
        ...envelope,
        type: 'video',
        msgId: fields.required('MsgId'),
        mediaId: fields.required('MediaId'),
        thumbMediaId: fields.text('ThumbMediaId'),
      };
    case 'location':
      return {
        ...envelope,
        type: 'location',
        msgId: fields.required('MsgId'),
        latitude: latitude(fields.decimal('Location_X'), 'Location_X'),
        longitude: longitude(fields.decimal('Location_Y'), 'Location_Y'),
        scale: fields.optionalDecimal('Scale'),
        label: fields.text('Label'),
      };
    case 'link':
      return {
        ...envelope,
        type: 'link',
        msgId: fields.required('MsgId'),
        title: fields.text('Title'),
        description: fields.text('Description'),
        url: fields.text('Url'),
        picUrl: fields.text('PicUrl'),
      };
    case 'event': {
      const event = fields.required('Event');
      const details = eventDetails(event, fields);
      if (details) return { ...envelope, type: 'event', eventKey: fields.text('EventKey'), ...details };
      return { ...envelope, type: 'unsupported', msgType, event, msgId: undefined };
    }
    default:
      return { ...envelope, type: 'unsupported', msgType, event: undefined, msgId: fields.optional('MsgId') };
  }
}

const MAX_KEY_LENGTH = 191;

/**
 * The inbox's idempotency key (DESIGN §5). Messages: their MsgId. Events have none, so the key is every
 * field that tells two real events apart — sender, time, event, key, agent — plus the event's own ids
 * (scan result, card task and answer, photo checksums, chosen location). A coarser key would drop
 * distinct events (two clicks in one second on different items).
 */
export function dedupeKey(message: InboundMessage): string {
  let parts: Array<string | number | undefined>;
  switch (message.type) {
    case 'event':
      parts = [
        'evt',
        message.fromUserName,
        message.createTime,
        message.event,
        message.eventKey,
        message.agentId,
      ];
      switch (message.event) {
        case 'scancode_push':
        case 'scancode_waitmsg':
          parts.push(message.scanType, message.scanResult);
          break;
        case 'pic_sysphoto':
        case 'pic_photo_or_album':
        case 'pic_weixin':
          parts.push(message.count, ...message.picMd5Sums);
          break;
        case 'location_select':
          parts.push(message.latitude, message.longitude, message.label);
          break;
        case 'template_card_event':
          parts.push(message.taskId, message.responseCode, JSON.stringify(message.selectedItems));
          break;
        case 'LOCATION':
          parts.push(message.latitude, message.longitude);
          break;
        default:
          break;
      }
      break;
    case 'unsupported':
      parts =
        message.msgId !== undefined
          ? ['msg', message.msgId]
          : [
              'other',
              message.fromUserName,
              message.createTime,
              message.msgType,
              message.event,
              message.agentId,
            ];
      break;
    default:
      return `msg:${message.msgId}`.slice(0, MAX_KEY_LENGTH);
  }
  const key = parts.map((part) => String(part ?? '')).join('|');
  // Long keys (user ids, card answers) are hashed to fit the unique index; the prefix keeps them readable.
  return key.length <= MAX_KEY_LENGTH
    ? key
    : `${key.slice(0, 100)}#${createHash('sha256').update(key).digest('hex')}`;
}
