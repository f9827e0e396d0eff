/**
 * `报竣 <工单号> [备注]` (or the menu): order number → business type → the photos its checklist needs, each
 * asked for by name → device serials (typed or scanned) → optical power, judged against the thresholds
 * (a failing value must be confirmed and is flagged) → remarks → summary → submit.
 *
 * Photos may come at any step, and those sent before the command are handed over by the engine: before
 * the business type is known they are kept unlabelled and filed against its checklist, in order, once it
 * is; after that each photo fills the first item still missing (or the item the engineer picked by
 * replying its number, to retake it). Every reply says what is still missing and what to send next.
 * Scanned codes (WeCom `scancode_waitmsg`) are serials at any step.
 */
import type { EntityManager } from 'typeorm';
import type { Flow, FlowContext, FlowInput, FlowStep } from '../../conversation/flow';
import { textReply } from '../../conversation/reply';
import { AppError } from '../../errors';
import {
  businessTypes,
  checkOrderNo,
  checkSerial,
  judgePower,
  MAX_COMPLETION_PHOTOS,
  MAX_SERIALS,
  submitCompletion,
} from './completion.commands';
import type { CompletionPhoto } from './completion.entity';
import { openCompletionForOrder } from './completion.queries';
import type { BusinessType } from './completion.settings';

interface CompletionDraft {
  readonly orderNo?: string;
  readonly businessType?: string;
  /** Photos filed against the checklist (item null: an extra photo) once the business type is known. */
  readonly photos: readonly CompletionPhoto[];
  /** Photos that came before the business type was chosen, in arrival order. */
  readonly loosePhotos: readonly string[];
  /** The checklist item the next photo is for, when the engineer chose one to retake. */
  readonly target?: string;
  readonly serials: readonly string[];
  readonly serialsDone?: boolean;
  readonly power?: number;
  /** The power is outside the thresholds and the engineer confirmed it. */
  readonly powerConfirmed?: boolean;
  readonly remarks?: string;
}

type Step = 'order' | 'type' | 'photos' | 'serials' | 'power' | 'powerConfirm' | 'remarks' | 'confirm';

const DONE = new Set(['好了', '好', '完成', '齐了', 'done', 'ok']);
const SKIP = new Set(['跳过', '无', '没有', 'skip', 'none']);
const CONFIRM = new Set(['确认', '确定', 'confirm', 'yes']);
const SUBMIT = new Set(['提交', '确认', 'submit', 'yes']);
const EDIT: ReadonlyMap<string, Step> = new Map([
  ['改工单号', 'order'],
  ['edit order', 'order'],
  ['改类型', 'type'],
  ['edit type', 'type'],
  ['改照片', 'photos'],
  ['edit photos', 'photos'],
  ['改sn', 'serials'],
  ['edit serials', 'serials'],
  ['改光功率', 'power'],
  ['edit power', 'power'],
  ['改备注', 'remarks'],
  ['edit remarks', 'remarks'],
]);

/**
 * A barcode scan may come back as `FORMAT,value` (e.g. `CODE_128,ZTEG1A2B3C4D`); the value is the serial.
 * See WeCom's 扫码推事件且弹出“消息接收中”提示框的事件推送 (scancode_waitmsg).
 */
function scannedValue(code: string): string {
  const match = /^[A-Z][A-Z0-9_]*,(.+)$/.exec(code.trim());
  return match?.[1] ?? code.trim();
}

/** `-19.5`, `−19.5 dBm`, `-19.5dbm` → -19.5 */
function parsePower(text: string): number | undefined {
  const match = /^([-−–]?\d{1,3}(?:\.\d{1,2})?)\s*(?:dbm)?$/i.exec(text.replace(/\s+/g, ' ').trim());
  if (!match?.[1]) return undefined;
  const value = Number(match[1].replace(/[−–]/, '-'));
  return Number.isFinite(value) ? value : undefined;
}

function missingItems(draft: CompletionDraft, type: BusinessType): string[] {
  return type.photos.filter((item) => !draft.photos.some((photo) => photo.item === item));
}

/** Files a photo: against the chosen item, else the first missing one, else as an extra. */
function filePhoto(
  draft: CompletionDraft,
  type: BusinessType,
  key: string,
): { draft: CompletionDraft; item: string | null } | undefined {
  const item = draft.target ?? missingItems(draft, type)[0] ?? null;
  const kept = item === null ? draft.photos : draft.photos.filter((photo) => photo.item !== item);
  if (kept.length >= MAX_COMPLETION_PHOTOS) return undefined;
  const { target: _target, ...rest } = draft;
  return { draft: { ...rest, photos: [...kept, { item, key }] }, item };
}

/** Files photos that came before the business type against its checklist, in arrival order. */
function fileLoosePhotos(draft: CompletionDraft, type: BusinessType): CompletionDraft {
  let next: CompletionDraft = { ...draft, loosePhotos: [] };
  for (const key of draft.loosePhotos) next = filePhoto(next, type, key)?.draft ?? next;
  return next;
}

export function createCompletionFlow(options: {
  readonly timeZone: string;
  /** Hand submitted requests to the order system (ORDER_SYSTEM_URL is set). */
  readonly handOffToOrderSystem?: boolean;
}): Flow<CompletionDraft> {
  async function typeOf(manager: EntityManager, draft: CompletionDraft): Promise<BusinessType | undefined> {
    if (!draft.businessType) return undefined;
    return (await businessTypes(manager)).find((type) => type.name === draft.businessType);
  }

  /** The first step whose answer is still missing. */
  function firstOpenStep(draft: CompletionDraft, type: BusinessType | undefined): Step {
    if (!draft.orderNo) return 'order';
    if (!type) return 'type';
    if (missingItems(draft, type).length > 0) return 'photos';
    if (type.requiresSerials && !draft.serialsDone) return 'serials';
    if (type.requiresPower && draft.power === undefined) return 'power';
    if (type.requiresPower && draft.power !== undefined && !draft.powerConfirmed) return 'powerConfirm';
    if (draft.remarks === undefined) return 'remarks';
    return 'confirm';
  }

  function checklist(context: FlowContext, draft: CompletionDraft, type: BusinessType): string {
    return type.photos
      .map((item, index) =>
        context.say(
          draft.photos.some((photo) => photo.item === item)
            ? 'completion.flow.checklistDone'
            : 'completion.flow.checklistMissing',
          { number: index + 1, item },
        ),
      )
      .join('\n');
  }

  async function prompt(context: FlowContext, step: Step, draft: CompletionDraft): Promise<string> {
    const type = await typeOf(context.manager, draft);
    switch (step) {
      case 'order':
        return context.say('completion.flow.askOrder');
      case 'type': {
        const types = await businessTypes(context.manager);
        return context.say('completion.flow.askType', {
          orderNo: draft.orderNo ?? '',
          options: types.map((candidate, index) => `${index + 1} ${candidate.name}`).join('\n'),
        });
      }
      case 'photos': {
        if (!type) return context.say('completion.flow.askOrder');
        const next = draft.target ?? missingItems(draft, type)[0];
        return context.say(next ? 'completion.flow.askPhotos' : 'completion.flow.photosComplete', {
          businessType: type.name,
          checklist: checklist(context, draft, type),
          item: next ?? '',
        });
      }
      case 'serials':
        return context.say(
          type?.requiresSerials ? 'completion.flow.askSerials' : 'completion.flow.askSerialsOptional',
          { count: draft.serials.length },
        );
      case 'power': {
        const { minDbm, maxDbm } = await judgePower(context.manager, 0);
        return context.say('completion.flow.askPower', { min: minDbm, max: maxDbm });
      }
      case 'powerConfirm': {
        const { minDbm, maxDbm } = await judgePower(context.manager, draft.power ?? 0);
        return context.say('completion.flow.powerOutOfRange', {
          power: draft.power ?? '',
          min: minDbm,
          max: maxDbm,
        });
      }
      case 'remarks':
        return context.say('completion.flow.askRemarks');
      case 'confirm': {
        const none = context.say('completion.flow.none');
        const power =
          draft.power === undefined
            ? none
            : `${draft.power} dBm${draft.powerConfirmed && type?.requiresPower && !(await judgePower(context.manager, draft.power)).isInRange ? context.say('completion.flow.powerFlag') : ''}`;
        return context.say('completion.flow.summary', {
          orderNo: draft.orderNo ?? '',
          businessType: draft.businessType ?? '',
          photos: draft.photos
            .map((photo) => photo.item ?? context.say('completion.flow.extraPhoto'))
            .join('、'),
          serials: draft.serials.length > 0 ? draft.serials.join(' ') : none,
          power,
          remarks: draft.remarks || none,
        });
      }
    }
  }

  function stay(step: Step, draft: CompletionDraft, text: string): FlowStep<CompletionDraft> {
    return { kind: 'continue', step, draft, replies: [textReply(text)] };
  }

  async function goTo(
    context: FlowContext,
    step: Step,
    draft: CompletionDraft,
    before: readonly string[] = [],
  ): Promise<FlowStep<CompletionDraft>> {
    return stay(step, draft, [...before, await prompt(context, step, draft)].join('\n'));
  }

  /** Moves on to whatever is still missing (the summary once nothing is). */
  async function advance(
    context: FlowContext,
    draft: CompletionDraft,
    before: readonly string[] = [],
  ): Promise<FlowStep<CompletionDraft>> {
    return goTo(context, firstOpenStep(draft, await typeOf(context.manager, draft)), draft, before);
  }

  /** A second open request for the order is refused, pointing at the first one. */
  async function refuseDuplicate(
    context: FlowContext,
    orderNo: string,
  ): Promise<FlowStep<CompletionDraft> | undefined> {
    const open = await openCompletionForOrder(context.manager, orderNo);
    if (!open) return undefined;
    return {
      kind: 'done',
      replies: [
        textReply(
          context.say('completion.flow.duplicate', {
            orderNo,
            refNo: open.refNo,
            status: context.say(`completion.status.${open.status}`),
          }),
        ),
      ],
    };
  }

  async function takeOrderNo(
    context: FlowContext,
    draft: CompletionDraft,
    text: string,
  ): Promise<FlowStep<CompletionDraft>> {
    const orderNo = await checkOrderNo(context.manager, text);
    if (!orderNo)
      return goTo(context, 'order', draft, [context.say('completion.flow.badOrder', { orderNo: text })]);
    return (await refuseDuplicate(context, orderNo)) ?? advance(context, { ...draft, orderNo });
  }

  async function onPhoto(
    context: FlowContext,
    step: Step,
    draft: CompletionDraft,
    key: string,
  ): Promise<FlowStep<CompletionDraft>> {
    const type = await typeOf(context.manager, draft);
    if (!type) {
      if (draft.loosePhotos.length >= MAX_COMPLETION_PHOTOS)
        return stay(step, draft, context.say('completion.flow.tooManyPhotos'));
      const next = { ...draft, loosePhotos: [...draft.loosePhotos, key] };
      // Keep asking for what this step needs: the photo is filed once the business type is known.
      return goTo(context, step, next, [
        context.say('completion.flow.photoEarly', { count: next.loosePhotos.length }),
      ]);
    }
    const filed = filePhoto(draft, type, key);
    if (!filed) return stay(step, draft, context.say('completion.flow.tooManyPhotos'));
    const noted = context.say(
      filed.item === null ? 'completion.flow.photoExtra' : 'completion.flow.photoFiled',
      {
        item: filed.item ?? '',
      },
    );
    const missing = missingItems(filed.draft, type);
    if (step === 'photos' || step === 'confirm') {
      if (missing.length > 0) {
        return stay(
          'photos',
          filed.draft,
          [
            noted,
            context.say('completion.flow.stillMissing', {
              missing: missing.join('、'),
              item: missing[0] ?? '',
            }),
          ].join('\n'),
        );
      }
      return advance(context, filed.draft, [noted, context.say('completion.flow.photosDone')]);
    }
    // Elsewhere the photo is kept and the step goes on.
    return goTo(context, step, filed.draft, [noted]);
  }

  async function onScan(
    context: FlowContext,
    step: Step,
    draft: CompletionDraft,
    code: string,
  ): Promise<FlowStep<CompletionDraft>> {
    const serial = checkSerial(scannedValue(code));
    if (!serial)
      return goTo(context, step, draft, [context.say('completion.flow.badSerial', { serial: code })]);
    const next = addSerials(draft, [serial]);
    if (!next) return stay(step, draft, context.say('completion.flow.tooManySerials', { max: MAX_SERIALS }));
    const noted = context.say('completion.flow.serialAdded', { serial, count: next.serials.length });
    if (step === 'serials') return stay(step, next, noted);
    return goTo(context, step, next, [noted]);
  }

  function addSerials(draft: CompletionDraft, serials: readonly string[]): CompletionDraft | undefined {
    const all = [...new Set([...draft.serials, ...serials])];
    return all.length > MAX_SERIALS ? undefined : { ...draft, serials: all };
  }

  async function takePower(
    context: FlowContext,
    draft: CompletionDraft,
    value: number,
  ): Promise<FlowStep<CompletionDraft>> {
    const { isInRange } = await judgePower(context.manager, value);
    const next: CompletionDraft = { ...draft, power: value, powerConfirmed: isInRange };
    return isInRange ? advance(context, next) : goTo(context, 'powerConfirm', next);
  }

  return {
    name: 'completion',
    command: 'complete',
    description: 'command.complete',
    requiresBinding: true,
    acceptsPhotos: true,

    async start(context, argument, photos) {
      const draft: CompletionDraft = {
        photos: [],
        loosePhotos: photos.slice(0, MAX_COMPLETION_PHOTOS),
        serials: [],
      };
      const [first = '', ...rest] = argument.trim().split(/\s+/);
      const remarks = rest.join(' ').slice(0, 1000);
      if (first === '') return goTo(context, 'order', draft);
      return takeOrderNo(context, remarks ? { ...draft, remarks } : draft, first);
    },

    async handle(context, rawStep, draft, input: FlowInput) {
      const step = rawStep as Step;
      if (input.kind === 'photo')
        return 'stored' in input.media
          ? onPhoto(context, step, draft, input.media.stored.key)
          : goTo(context, step, draft, [context.say('bot.photoRejected')]);
      if (input.kind === 'scan') return onScan(context, step, draft, input.code);
      if (input.kind === 'location')
        return goTo(context, step, draft, [context.say('completion.flow.noLocation')]);
      // Card clicks go only to the flow that sent the card (the dispatcher routes them): never one here.
      const text = input.kind === 'text' ? input.text.trim() : '';
      const word = text.toLowerCase();
      const type = await typeOf(context.manager, draft);

      switch (step) {
        case 'order':
          if (text === '') return goTo(context, 'order', draft);
          return takeOrderNo(context, draft, text);
        case 'type': {
          const types = await businessTypes(context.manager);
          const chosen =
            (/^\d+$/.test(text) ? types[Number(text) - 1] : undefined) ??
            types.find((candidate) => candidate.name === text);
          if (!chosen) return goTo(context, 'type', draft, [context.say('completion.flow.badType')]);
          // A new business type has another checklist: every photo is filed again against it.
          const refiled = fileLoosePhotos(
            {
              ...draft,
              businessType: chosen.name,
              photos: [],
              loosePhotos: [...draft.photos.map((photo) => photo.key), ...draft.loosePhotos],
            },
            chosen,
          );
          return advance(context, refiled);
        }
        case 'photos': {
          if (!type) return advance(context, draft);
          const number = /^\d+$/.test(text) ? Number(text) : 0;
          const item = type.photos[number - 1];
          if (item)
            return stay(
              'photos',
              { ...draft, target: item },
              context.say('completion.flow.photoTarget', { item }),
            );
          const missing = missingItems(draft, type);
          if (missing.length === 0 && (DONE.has(word) || SKIP.has(word))) return advance(context, draft);
          if (missing.length > 0 && DONE.has(word))
            return stay(
              'photos',
              draft,
              context.say('completion.flow.stillMissing', {
                missing: missing.join('、'),
                item: missing[0] ?? '',
              }),
            );
          return goTo(context, 'photos', draft);
        }
        case 'serials': {
          if (DONE.has(word) || SKIP.has(word)) {
            if (type?.requiresSerials && draft.serials.length === 0)
              return stay('serials', draft, context.say('completion.flow.needSerial'));
            return advance(context, { ...draft, serialsDone: true });
          }
          const parts = text.split(/[\s,，;；、]+/).filter(Boolean);
          const bad = parts.find((part) => checkSerial(part) === undefined);
          if (parts.length === 0 || bad !== undefined)
            return goTo(context, 'serials', draft, [
              context.say('completion.flow.badSerial', { serial: bad ?? text }),
            ]);
          const next = addSerials(draft, parts);
          if (!next)
            return stay(
              'serials',
              draft,
              context.say('completion.flow.tooManySerials', { max: MAX_SERIALS }),
            );
          return stay(
            'serials',
            next,
            context.say('completion.flow.serialAdded', {
              serial: parts.join(' '),
              count: next.serials.length,
            }),
          );
        }
        case 'power': {
          const value = parsePower(text);
          if (value === undefined)
            return goTo(context, 'power', draft, [context.say('completion.flow.badPower')]);
          return takePower(context, draft, value);
        }
        case 'powerConfirm': {
          if (CONFIRM.has(word)) return advance(context, { ...draft, powerConfirmed: true });
          const value = parsePower(text);
          if (value !== undefined) return takePower(context, draft, value);
          return goTo(context, 'powerConfirm', draft);
        }
        case 'remarks':
          if (text === '') return goTo(context, 'remarks', draft);
          return advance(context, { ...draft, remarks: SKIP.has(word) ? '' : text.slice(0, 1000) });
        case 'confirm': {
          const edit = EDIT.get(word);
          if (edit) {
            const { power: _power, powerConfirmed: _confirmed, ...withoutPower } = draft;
            const reset: CompletionDraft =
              edit === 'serials'
                ? { ...draft, serials: [], serialsDone: false }
                : edit === 'power'
                  ? withoutPower
                  : draft;
            return goTo(context, edit, reset);
          }
          if (!SUBMIT.has(word)) return stay('confirm', draft, context.say('completion.flow.confirmHint'));
          const open = firstOpenStep(draft, type);
          if (!context.staff || !draft.orderNo || !type || open !== 'confirm') return advance(context, draft);
          try {
            const request = await submitCompletion({
              manager: context.manager,
              reporter: context.staff,
              orderNo: draft.orderNo,
              businessType: type.name,
              photos: draft.photos,
              serials: draft.serials,
              opticalPowerDbm: type.requiresPower ? (draft.power ?? null) : null,
              remarks: draft.remarks || null,
              handOffToOrderSystem: options.handOffToOrderSystem ?? false,
              timeZone: options.timeZone,
              now: context.now,
            });
            const key =
              request.resubmissionOfId === null ? 'completion.flow.submitted' : 'completion.flow.resubmitted';
            return {
              kind: 'done',
              replies: [textReply(context.say(key, { refNo: request.refNo, orderNo: request.orderNo }))],
            };
          } catch (error) {
            if (error instanceof AppError && error.code === 'CONFLICT') {
              const refused = await refuseDuplicate(context, draft.orderNo);
              if (refused) return refused;
            }
            if (error instanceof AppError && error.code === 'VALIDATION_FAILED') {
              // The rules changed under the draft (an order-number pattern or business types edited
              // meanwhile): ask again for what no longer passes instead of failing silently.
              const field = String(error.params.detail ?? '');
              const { orderNo: _orderNo, ...withoutOrder } = draft;
              const { businessType: _type, ...withoutType } = draft;
              const retry =
                field === 'orderNo' ? withoutOrder : field === 'businessType' ? withoutType : draft;
              return advance(context, retry, [context.say('completion.flow.recheck')]);
            }
            throw error;
          }
        }
        default:
          return advance(context, draft);
      }
    },
  };
}
