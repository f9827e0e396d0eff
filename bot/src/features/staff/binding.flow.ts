/**
 * The binding conversation: `绑定 <工号> <手机号>` in one message, or step by step (工号 → 手机号), then
 * the 6-digit SMS code. The only flow an unbound WeCom user can use.
 */
import type { Flow, FlowContext, FlowStep } from '../../conversation/flow';
import { textReply } from '../../conversation/reply';
import { requestBindingCode, verifyBindingCode } from './binding.commands';
import { toE164 } from './phone';

interface BindDraft {
  readonly staffNo?: string;
  readonly codeId?: number;
}

const STAFF_NO = /^[A-Za-z0-9_-]{1,32}$/;

const ask = (step: string, draft: BindDraft, text: string): FlowStep<BindDraft> => ({
  kind: 'continue',
  step,
  draft,
  replies: [textReply(text)],
});
const finish = (text: string): FlowStep<BindDraft> => ({ kind: 'done', replies: [textReply(text)] });

async function sendCode(context: FlowContext, staffNo: string, phone: string): Promise<FlowStep<BindDraft>> {
  const result = await requestBindingCode({
    manager: context.manager,
    wecomUserId: context.wecomUserId,
    staffNo,
    phone,
    now: context.now,
  });
  if (result.ok)
    return ask(
      'code',
      { staffNo, codeId: result.codeId },
      context.say('bind.codeSent', { phone: result.maskedPhone }),
    );
  switch (result.reason) {
    case 'mismatch':
      return finish(context.say('bind.mismatch'));
    case 'deactivated':
      return finish(context.say('bind.deactivated'));
    case 'bound-elsewhere':
      return finish(context.say('bind.boundElsewhere'));
    case 'rate-limited':
      return finish(context.say('bind.rateLimited', { minutes: result.retryInMinutes }));
  }
}

export const bindingFlow: Flow<BindDraft> = {
  name: 'bind',
  command: 'bind',
  description: 'command.bind',
  requiresBinding: false,

  async start(context, argument) {
    if (context.staff) {
      return finish(
        context.say('bind.alreadyBound', { staffNo: context.staff.staffNo, name: context.staff.name }),
      );
    }
    const [staffNo, ...rest] = argument.split(/\s+/).filter(Boolean);
    if (staffNo === undefined) return ask('staffNo', {}, context.say('bind.askStaffNo'));
    if (!STAFF_NO.test(staffNo)) return ask('staffNo', {}, context.say('bind.badStaffNo'));
    if (rest.length === 0) return ask('phone', { staffNo }, context.say('bind.askPhone'));
    const phone = toE164(rest.join(''));
    if (!phone) return ask('phone', { staffNo }, context.say('bind.badPhone'));
    return sendCode(context, staffNo, phone);
  },

  async handle(context, step, draft, input) {
    const text = input.kind === 'text' ? input.text.trim() : '';
    switch (step) {
      case 'staffNo':
        if (!STAFF_NO.test(text)) return ask('staffNo', draft, context.say('bind.badStaffNo'));
        return ask('phone', { staffNo: text }, context.say('bind.askPhone'));
      case 'phone': {
        const phone = toE164(text);
        if (!phone || !draft.staffNo) return ask('phone', draft, context.say('bind.badPhone'));
        return sendCode(context, draft.staffNo, phone);
      }
      case 'code': {
        const code = text.replace(/\s/g, '');
        if (!/^\d{6}$/.test(code) || draft.codeId === undefined)
          return ask('code', draft, context.say('bind.askCode'));
        const result = await verifyBindingCode({
          manager: context.manager,
          wecomUserId: context.wecomUserId,
          codeId: draft.codeId,
          code,
          now: context.now,
        });
        if (result.ok)
          return finish(
            context.say('bind.success', { name: result.staff.name, staffNo: result.staff.staffNo }),
          );
        switch (result.reason) {
          case 'wrong':
            return ask('code', draft, context.say('bind.wrongCode', { left: result.attemptsLeft }));
          case 'expired':
            return finish(context.say('bind.codeExpired'));
          case 'too-many-attempts':
            return finish(context.say('bind.tooManyAttempts'));
          case 'deactivated':
            return finish(context.say('bind.deactivated'));
          case 'bound-elsewhere':
            return finish(context.say('bind.boundElsewhere'));
        }
      }
      // falls through: an unknown step (code changed under a live session) starts over
      default:
        return ask('staffNo', {}, context.say('bind.askStaffNo'));
    }
  },
};
