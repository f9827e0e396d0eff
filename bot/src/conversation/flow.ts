import type { EntityManager } from 'typeorm';
import type { Staff, Role } from '../features/staff';
import type { Locale, MessageKey, MessageParams } from '../i18n';
import type { CommandName } from './commands';
import type { MediaAttachment } from './dispatcher';
import type { BotReply } from './reply';

/** What a flow step receives besides the input: the person, their language, the transaction. */
export interface FlowContext {
  readonly manager: EntityManager;
  readonly now: Date;
  readonly wecomUserId: string;
  /** The bound staff record; undefined only in flows that run before binding. */
  readonly staff: Staff | undefined;
  readonly locale: Locale;
  /** The user's language applied to a catalog message. */
  say(key: MessageKey, params?: MessageParams): string;
}

/** The user's input to the step a flow is waiting at. */
export type FlowInput =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'photo'; readonly media: MediaAttachment }
  | {
      readonly kind: 'location';
      readonly latitude: number;
      readonly longitude: number;
      readonly label: string;
    }
  | { readonly kind: 'scan'; readonly code: string }
  /**
   * A button clicked on a WeCom template card (`template_card_event`): the button's key and the card, and
   * for a vote or multiple-choice card the options ticked per question key (empty for button cards).
   */
  | {
      readonly kind: 'card';
      readonly key: string;
      readonly cardTaskId: string;
      readonly selected?: ReadonlyArray<{
        readonly questionKey: string;
        readonly optionIds: readonly string[];
      }>;
    };

export type FlowStep<D> =
  | {
      readonly kind: 'continue';
      readonly step: string;
      readonly draft: D;
      readonly replies: readonly BotReply[];
    }
  | { readonly kind: 'done'; readonly replies: readonly BotReply[] };

/**
 * A conversation, declared once and reachable from its text command and its menu item alike. The
 * engine keeps the step and draft in the session between messages (any instance can continue it),
 * handles 取消, 帮助, idle expiry and photos that arrive before the flow starts; the flow validates each
 * input, says what to send next, and calls its feature's command at the end.
 */
export interface Flow<D = unknown> {
  readonly name: string;
  readonly command: CommandName;
  /** Shown in help (a catalog key). */
  readonly description: MessageKey;
  /** False only for binding: everything else needs a bound, active staff record. */
  readonly requiresBinding: boolean;
  /** Roles that may use it; all roles when omitted. */
  readonly roles?: readonly Role[];
  /** Takes photos sent before it started (kept by the engine) and during it. */
  readonly acceptsPhotos?: boolean;
  /**
   * Card buttons whose key starts with this belong to the flow. A click reaches it whether or not it is
   * in progress (cards stay in the chat): if it is not, `handle` gets step '' and an undefined draft.
   */
  readonly cardKeyPrefix?: string;
  start(context: FlowContext, argument: string, photos: readonly string[]): Promise<FlowStep<D>>;
  handle(context: FlowContext, step: string, draft: D, input: FlowInput): Promise<FlowStep<D>>;
  /**
   * The person leaves the flow while it waits (取消, or another command or card starts another flow), in
   * the same transaction: settle what the flow holds open (a quiz attempt ends as abandoned). Returns a
   * line added to the engine's "cancelled" or "switched" reply, if the person should know more.
   * Not called when the session times out (the feature's own expiry handles that).
   */
  abandon?(context: FlowContext, step: string, draft: D): Promise<string | undefined>;
}
