/**
 * The one door from channels into the application (DESIGN §3): a normalised inbound message in, the
 * replies out, inside the caller's transaction (so the session, the feature's changes, the outbox rows
 * and the inbox row commit together).
 *
 * Routing, in order: who is it (an unbound WeCom user may only bind; a deactivated one is refused at
 * once) → 取消 / 帮助 → the flow in progress takes the input (a menu click starts the clicked flow
 * instead) → a command or menu click starts a flow, or `我的` lists open items → photos wait in the
 * session for the next flow that takes photos → anything else gets a short help.
 */
import type { EntityManager } from 'typeorm';
import type { InboundMessage } from '../channels/wecom/message';
import { findStaffByWecomUser } from '../features/staff';
import { DEFAULT_LOCALE, isLocale, t, type Locale, type MessageKey, type MessageParams } from '../i18n';
import type { StoredMedia } from '../storage/media-storage';
import { commandWord, parseCommand, type CommandName } from './commands';
import type { Flow, FlowContext, FlowInput, FlowStep } from './flow';
import { helpText } from './help';
import { commandForEventKey } from './menu';
import type { InputHandler, OpenItemsProvider } from './open-items';
import { textReply, type BotReply } from './reply';
import { loadSession, saveSession } from './session';

/** A photo message's file, already downloaded from WeCom — or why it could not be kept. */
export type MediaAttachment = { readonly stored: StoredMedia } | { readonly rejected: string };

export interface DispatchInput {
  readonly message: InboundMessage;
  /** Set for image messages. */
  readonly media?: MediaAttachment;
  /** Transactional: everything the message changes commits (or not) with the inbox row. */
  readonly manager: EntityManager;
  readonly now: Date;
}

export type Dispatcher = (input: DispatchInput) => Promise<BotReply[]>;

export interface DispatcherOptions {
  /** Every flow, binding included. Features add theirs in services.ts. */
  readonly flows: readonly Flow<never>[] | readonly Flow[];
  /** Contributions to `我的`. */
  readonly openItems?: readonly OpenItemsProvider[];
  /** Features that take input arriving outside any flow (tried in order before the default help). */
  readonly inputHandlers?: readonly InputHandler[];
}

/** What the message asks for, before knowing who sent it. */
type Intent =
  | {
      readonly kind: 'command';
      readonly command: CommandName;
      readonly argument: string;
      readonly viaMenu: boolean;
    }
  | { readonly kind: 'input'; readonly input: FlowInput }
  | { readonly kind: 'card'; readonly input: Extract<FlowInput, { kind: 'card' }> }
  | { readonly kind: 'greet' }
  | { readonly kind: 'silent' };

function intentOf(message: InboundMessage, media: MediaAttachment | undefined): Intent {
  switch (message.type) {
    case 'text': {
      const parsed = parseCommand(message.content);
      return parsed
        ? { kind: 'command', ...parsed, viaMenu: false }
        : { kind: 'input', input: { kind: 'text', text: message.content } };
    }
    case 'image':
      return media ? { kind: 'input', input: { kind: 'photo', media } } : { kind: 'silent' };
    case 'location':
      return {
        kind: 'input',
        input: {
          kind: 'location',
          latitude: message.latitude,
          longitude: message.longitude,
          label: message.label,
        },
      };
    case 'event':
      switch (message.event) {
        case 'click': {
          const command = commandForEventKey(message.eventKey);
          return command
            ? {
                kind: 'command',
                ...(parseCommand(command) ?? { command: 'help', argument: '' }),
                viaMenu: true,
              }
            : { kind: 'silent' };
        }
        case 'scancode_waitmsg':
        case 'scancode_push':
          return { kind: 'input', input: { kind: 'scan', code: message.scanResult } };
        case 'location_select':
          return {
            kind: 'input',
            input: {
              kind: 'location',
              latitude: message.latitude,
              longitude: message.longitude,
              label: message.label || message.poiName,
            },
          };
        case 'subscribe':
        case 'enter_agent':
          return { kind: 'greet' };
        case 'template_card_event':
          // The clicked button's key arrives as the EventKey (https://developer.work.weixin.qq.com/document/path/90240).
          return message.eventKey
            ? {
                kind: 'card',
                input: {
                  kind: 'card',
                  key: message.eventKey,
                  cardTaskId: message.taskId,
                  selected: message.selectedItems,
                },
              }
            : { kind: 'silent' };
        default:
          return { kind: 'silent' }; // LOCATION reports, view, unsubscribe, pic_* (the photos follow as messages)
      }
    default:
      return { kind: 'silent' };
  }
}

const isCommandWord = (intent: Intent, ...commands: CommandName[]) =>
  intent.kind === 'command' && commands.includes(intent.command) && intent.argument === '';

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const flows = options.flows as readonly Flow[];
  const byCommand = new Map(flows.map((flow) => [flow.command, flow]));
  const byName = new Map(flows.map((flow) => [flow.name, flow]));
  const bindFlow = flows.find((flow) => !flow.requiresBinding);

  return async ({ message, manager, now, media }) => {
    const intent = intentOf(message, media);
    const wecomUserId = message.fromUserName;
    const staff = await findStaffByWecomUser(manager, wecomUserId);
    const locale: Locale = staff && isLocale(staff.language) ? staff.language : DEFAULT_LOCALE;
    const say = (key: MessageKey, params?: MessageParams) => t(locale, key, params);
    const text = (key: MessageKey, params?: MessageParams) => [textReply(say(key, params))];

    if (staff && !staff.isActive) {
      // Access ends at once: whatever was in progress is dropped.
      const session = await loadSession(manager, wecomUserId, now);
      if (session.flow || session.pendingMedia)
        await saveSession(
          manager,
          { ...session, flow: null, step: null, draft: null, pendingMedia: null },
          now,
        );
      return intent.kind === 'silent' ? [] : text('bot.deactivated');
    }
    if (intent.kind === 'silent') return [];

    const session = await loadSession(manager, wecomUserId, now);
    const notices: BotReply[] = [];
    if (session.flow && session.expiresAt && session.expiresAt.getTime() <= now.getTime()) {
      notices.push(textReply(say('bot.timedOut')));
      session.flow = null;
      session.step = null;
      session.draft = null;
    }
    const context: FlowContext = { manager, now, wecomUserId, staff: staff ?? undefined, locale, say };
    const replies = await route();
    await saveSession(manager, session, now);
    return [...notices, ...replies];

    async function route(): Promise<readonly BotReply[]> {
      const current = session.flow ? byName.get(session.flow) : undefined;

      if (!staff) {
        // Unbound: only the binding flow, whatever is sent.
        if (current && !current.requiresBinding && intent.kind === 'input')
          return continueFlow(current, intent.input);
        if (isCommandWord(intent, 'cancel') && current) return cancelFlow(current);
        if (bindFlow && intent.kind === 'command' && intent.command === bindFlow.command)
          return startFlow(bindFlow, intent.argument);
        return text('bind.prompt');
      }

      if (intent.kind === 'greet') {
        const isSubscribe = message.type === 'event' && message.event === 'subscribe';
        return isSubscribe && !current ? text('bot.welcome') : []; // opening the app needs no answer
      }
      if (isCommandWord(intent, 'cancel')) return current ? cancelFlow(current) : text('bot.nothingToCancel');
      if (isCommandWord(intent, 'help')) return [textReply(helpText(flows, staff, say))];
      if (intent.kind === 'card') return clickCard(current, intent.input);

      if (current && intent.kind === 'input') return continueFlow(current, intent.input);
      if (current && intent.kind === 'command' && !intent.viaMenu) {
        // While a flow waits, typed text is its input even if it starts with a command word.
        return continueFlow(current, { kind: 'text', text: message.type === 'text' ? message.content : '' });
      }
      if (intent.kind === 'command') {
        const switched = current ? await leaveFlow(current, 'bot.switchedFlow') : [];
        return [...switched, ...(await runCommand(intent.command, intent.argument))];
      }
      if (intent.kind === 'input') {
        const taken = await offerToHandlers(intent.input);
        if (taken) return taken;
        if (intent.input.kind === 'photo') return keepPhoto(intent.input.media);
      }
      return text('bot.unknown');
    }

    async function offerToHandlers(input: FlowInput): Promise<readonly BotReply[] | undefined> {
      if (input.kind === 'photo' && 'rejected' in input.media) return undefined;
      for (const handler of options.inputHandlers ?? []) {
        const replies = await handler(context, input);
        if (replies) return replies;
      }
      return undefined;
    }

    /** A card click goes to the flow that sent the card, continuing it or (if another is open) replacing it. */
    async function clickCard(
      current: Flow | undefined,
      input: Extract<FlowInput, { kind: 'card' }>,
    ): Promise<readonly BotReply[]> {
      const owner = flows.find((flow) => flow.cardKeyPrefix && input.key.startsWith(flow.cardKeyPrefix));
      if (!owner || (owner.roles && staff && !owner.roles.includes(staff.role))) return [];
      if (current === owner) return continueFlow(owner, input);
      const step = await owner.handle(context, '', undefined, input);
      // A click the owner settles at once (a stale or foreign card) leaves the flow in progress alone.
      if (step.kind === 'done') return step.replies;
      const switched = current ? await leaveFlow(current, 'bot.switchedFlow') : [];
      return [...switched, ...apply(owner, step)];
    }

    async function runCommand(command: CommandName, argument: string): Promise<readonly BotReply[]> {
      if (command === 'my') return listOpenItems();
      const flow = byCommand.get(command);
      if (!flow) return text('bot.notYetAvailable', { command: commandWord(command) });
      if (flow.roles && staff && !flow.roles.includes(staff.role)) return text('bot.unknown');
      return startFlow(flow, argument);
    }

    async function startFlow(flow: Flow, argument: string): Promise<readonly BotReply[]> {
      const photos = flow.acceptsPhotos ? (session.pendingMedia ?? []) : [];
      if (flow.acceptsPhotos) session.pendingMedia = null;
      return apply(flow, await flow.start(context, argument, photos));
    }

    async function continueFlow(flow: Flow, input: FlowInput): Promise<readonly BotReply[]> {
      if (input.kind === 'photo' && 'rejected' in input.media) return text('bot.photoRejected');
      if (input.kind === 'photo' && !flow.acceptsPhotos) {
        return text('bot.photoNotNeeded', { prompt: '' });
      }
      return apply(flow, await flow.handle(context, session.step ?? '', session.draft, input));
    }

    function apply(flow: Flow, step: FlowStep<unknown>): readonly BotReply[] {
      if (step.kind === 'continue') {
        session.flow = flow.name;
        session.step = step.step;
        session.draft = step.draft ?? {};
      } else {
        clearFlow();
      }
      return step.replies;
    }

    function clearFlow(): void {
      session.flow = null;
      session.step = null;
      session.draft = null;
    }

    /**
     * The person leaves `flow` while it waits: the flow settles what it holds open (same transaction),
     * then the session forgets it; the reply is `key` plus whatever the flow adds.
     */
    async function leaveFlow(flow: Flow, key: MessageKey): Promise<readonly BotReply[]> {
      const note = await flow.abandon?.(context, session.step ?? '', session.draft);
      clearFlow();
      return [textReply(note ? `${say(key)}\n${note}` : say(key))];
    }

    function cancelFlow(flow: Flow): Promise<readonly BotReply[]> {
      return leaveFlow(flow, 'bot.cancelled');
    }

    function keepPhoto(photo: MediaAttachment): readonly BotReply[] {
      if ('rejected' in photo) return text('bot.photoRejected');
      const hadPhotos = (session.pendingMedia?.length ?? 0) > 0;
      session.pendingMedia = [...(session.pendingMedia ?? []), photo.stored.key].slice(-9);
      // One prompt for a batch of photos, not one per photo.
      return hadPhotos ? [] : text('bot.photoKept');
    }

    async function listOpenItems(): Promise<readonly BotReply[]> {
      if (!staff) return text('bind.prompt');
      const items = (
        await Promise.all((options.openItems ?? []).map((provider) => provider({ manager, staff, locale })))
      ).flat();
      if (items.length === 0) return text('bot.my.none');
      return [
        textReply(
          [say('bot.my.title'), ...items.map((item) => `· ${item.title}（${item.status}）`)].join('\n'),
        ),
      ];
    }
  };
}
