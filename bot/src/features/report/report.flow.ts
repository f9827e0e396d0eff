/**
 * `隐患 <描述>` / `商机 <描述>` (or the menu): description → category → photos → location → summary →
 * submit. Photos may arrive at any point (and those sent before the command are already attached);
 * anything can be corrected from the summary (改描述 / 改类别 / 改照片 / 改位置) before submitting.
 */
import type { Flow, FlowContext, FlowInput, FlowStep } from '../../conversation/flow';
import { textReply } from '../../conversation/reply';
import { readSetting } from '../settings';
import { MAX_PHOTOS, submitReport } from './report.commands';
import type { ReportKind } from './report.entity';
import { hazardCategoriesSetting, leadCategoriesSetting } from './report.settings';

interface ReportDraft {
  readonly description?: string;
  readonly category?: string;
  readonly photos: readonly string[];
  readonly latitude?: number;
  readonly longitude?: number;
  readonly locationText?: string;
  /** Set when a step was reopened from the summary: go back to the summary after it. */
  readonly editing?: boolean;
}

type Step = 'description' | 'category' | 'photos' | 'location' | 'confirm';

const DONE = new Set(['好了', '好', '完成', '发完了', 'done', 'ok']);
const SKIP = new Set(['跳过', '不填', '无', 'skip', 'none']);
const SUBMIT = new Set(['提交', '确认', 'submit', 'yes']);
const EDIT: ReadonlyMap<string, Step> = new Map([
  ['改描述', 'description'],
  ['edit description', 'description'],
  ['改类别', 'category'],
  ['edit category', 'category'],
  ['改照片', 'photos'],
  ['edit photos', 'photos'],
  ['改位置', 'location'],
  ['edit location', 'location'],
]);

const NEXT: Readonly<Record<Exclude<Step, 'confirm'>, Step>> = {
  description: 'category',
  category: 'photos',
  photos: 'location',
  location: 'confirm',
};

export function createReportFlow(
  kind: ReportKind,
  options: { readonly timeZone: string },
): Flow<ReportDraft> {
  const categoriesOf = async (context: FlowContext) =>
    (await readSetting(context.manager, kind === 'hazard' ? hazardCategoriesSetting : leadCategoriesSetting))
      .value;
  const kindLabel = (context: FlowContext) =>
    context.say(kind === 'hazard' ? 'report.kind.hazard' : 'report.kind.lead');

  async function prompt(context: FlowContext, step: Step, draft: ReportDraft): Promise<string> {
    switch (step) {
      case 'description':
        return context.say('report.flow.askDescription', { kind: kindLabel(context) });
      case 'category': {
        const categories = await categoriesOf(context);
        return context.say('report.flow.askCategory', {
          options: categories.map((name, index) => `${index + 1} ${name}`).join('\n'),
        });
      }
      case 'photos':
        return context.say(
          kind === 'hazard' ? 'report.flow.askPhotosRequired' : 'report.flow.askPhotosOptional',
        );
      case 'location':
        return context.say('report.flow.askLocation');
      case 'confirm':
        return context.say('report.flow.summary', {
          category: draft.category ?? '',
          description: draft.description ?? '',
          photos: draft.photos.length,
          location:
            draft.locationText ??
            (draft.latitude !== undefined
              ? `${draft.latitude}, ${draft.longitude}`
              : context.say('report.flow.noLocation')),
        });
    }
  }

  async function goTo(
    context: FlowContext,
    step: Step,
    draft: ReportDraft,
    before: string[] = [],
  ): Promise<FlowStep<ReportDraft>> {
    return {
      kind: 'continue',
      step,
      draft,
      replies: [textReply([...before, await prompt(context, step, draft)].join('\n'))],
    };
  }

  /** The step after `step`, or back to the summary when the user was correcting something. */
  function after(step: Exclude<Step, 'confirm'>, draft: ReportDraft): Step {
    return draft.editing ? 'confirm' : NEXT[step];
  }

  function withPhoto(draft: ReportDraft, input: FlowInput): { draft: ReportDraft; overflow: boolean } {
    if (input.kind !== 'photo' || !('stored' in input.media)) return { draft, overflow: false };
    if (draft.photos.length >= MAX_PHOTOS) return { draft, overflow: true };
    return { draft: { ...draft, photos: [...draft.photos, input.media.stored.key] }, overflow: false };
  }

  return {
    name: kind,
    command: kind,
    description: kind === 'hazard' ? 'command.hazard' : 'command.lead',
    requiresBinding: true,
    acceptsPhotos: true,

    async start(context, argument, photos) {
      const draft: ReportDraft = {
        photos: photos.slice(0, MAX_PHOTOS),
        ...(argument ? { description: argument.slice(0, 2000) } : {}),
      };
      return goTo(context, argument ? 'category' : 'description', draft);
    },

    async handle(context, rawStep, draft, input) {
      const step = rawStep as Step;
      // Photos and locations are welcome at any step.
      if (input.kind === 'photo') {
        const { draft: next, overflow } = withPhoto(draft, input);
        if (overflow)
          return {
            kind: 'continue',
            step,
            draft,
            replies: [textReply(context.say('report.flow.tooManyPhotos'))],
          };
        if (step === 'confirm') return goTo(context, 'confirm', next);
        const count = next.photos.length;
        if (step === 'photos')
          return {
            kind: 'continue',
            step,
            draft: next,
            replies: [textReply(context.say('report.flow.photoCount', { count }))],
          };
        // Elsewhere: acknowledge, and say again what this step waits for.
        return goTo(context, step, next, [context.say('report.flow.photoAttached', { count })]);
      }
      if (input.kind === 'location') {
        const next: ReportDraft = {
          ...draft,
          latitude: input.latitude,
          longitude: input.longitude,
          locationText: input.label || `${input.latitude}, ${input.longitude}`,
        };
        if (step === 'location' || step === 'confirm')
          return goTo(context, step === 'confirm' ? 'confirm' : after('location', draft), next);
        return goTo(context, step, next, [
          context.say('report.flow.locationNoted', { location: next.locationText ?? '' }),
        ]);
      }
      const text = input.kind === 'text' ? input.text.trim() : '';
      const word = text.toLowerCase();

      switch (step) {
        case 'description':
          if (text === '') return goTo(context, 'description', draft);
          return goTo(context, after('description', draft), { ...draft, description: text.slice(0, 2000) });
        case 'category': {
          const categories = await categoriesOf(context);
          const byNumber = /^\d+$/.test(text) ? categories[Number(text) - 1] : undefined;
          const category = byNumber ?? categories.find((name) => name === text);
          if (!category)
            return {
              kind: 'continue',
              step,
              draft,
              replies: [
                textReply(
                  context.say('report.flow.badCategory', {
                    options: categories.map((name, index) => `${index + 1} ${name}`).join('\n'),
                  }),
                ),
              ],
            };
          return goTo(context, after('category', draft), { ...draft, category });
        }
        case 'photos':
          if (!DONE.has(word) && !SKIP.has(word)) return goTo(context, 'photos', draft);
          if (kind === 'hazard' && draft.photos.length === 0)
            return {
              kind: 'continue',
              step,
              draft,
              replies: [textReply(context.say('report.flow.needPhoto'))],
            };
          return goTo(context, after('photos', draft), draft);
        case 'location':
          // 好了 keeps a location already sent; only 跳过 drops it.
          if (DONE.has(word) && draft.locationText !== undefined)
            return goTo(context, after('location', draft), draft);
          if (SKIP.has(word) || DONE.has(word)) {
            const { latitude: _lat, longitude: _lng, locationText: _text, ...withoutLocation } = draft;
            return goTo(context, after('location', draft), withoutLocation);
          }
          if (text === '') return goTo(context, 'location', draft);
          return goTo(context, after('location', draft), { ...draft, locationText: text.slice(0, 255) });
        case 'confirm': {
          const edit = EDIT.get(word);
          if (edit)
            return goTo(context, edit, {
              ...draft,
              editing: true,
              ...(edit === 'photos' ? { photos: [] } : {}),
            });
          if (!SUBMIT.has(word))
            return {
              kind: 'continue',
              step,
              draft,
              replies: [textReply(context.say('report.flow.confirmHint'))],
            };
          if (!context.staff || !draft.category || !draft.description)
            return goTo(context, 'description', { photos: draft.photos });
          if (kind === 'hazard' && draft.photos.length === 0)
            return goTo(context, 'photos', { ...draft, editing: true }, [
              context.say('report.flow.needPhoto'),
            ]);
          const report = await submitReport({
            manager: context.manager,
            reporter: context.staff,
            kind,
            category: draft.category,
            description: draft.description,
            photos: draft.photos,
            location: {
              latitude: draft.latitude ?? null,
              longitude: draft.longitude ?? null,
              text: draft.locationText ?? null,
            },
            timeZone: options.timeZone,
            now: context.now,
          });
          return {
            kind: 'done',
            replies: [textReply(context.say('report.flow.submitted', { refNo: report.refNo }))],
          };
        }
        default:
          return goTo(context, 'description', { photos: draft.photos });
      }
    },
  };
}
