import { z } from 'zod';
import { defineSetting } from '../settings';

function isValidPattern(source: string): boolean {
  try {
    new RegExp(source, 'u');
    return true;
  } catch {
    return false;
  }
}

export const orderNoPatternSetting = defineSetting({
  key: 'completion.orderNoPattern',
  description: 'Regular expression an order number (工单号) must match in a completion request',
  schema: z.string().min(1).max(200).refine(isValidPattern, 'a valid regular expression'),
  defaultValue: '^[0-9]{10,20}$',
});

const businessType = z.object({
  /** 新装, 移机, … — what the engineer picks and the desk sees. */
  name: z.string().min(1).max(16),
  /** The photos this business type needs, each asked for by name (光猫及 SN 标签, 光功率计读数, …). */
  photos: z.array(z.string().min(1).max(32)).min(1).max(8),
  requiresSerials: z.boolean(),
  requiresPower: z.boolean(),
});
export type BusinessType = z.infer<typeof businessType>;

export const businessTypesSetting = defineSetting({
  key: 'completion.businessTypes',
  description: 'Business types of a completion request, with the photo checklist and what each needs',
  schema: z
    .array(businessType)
    .min(1)
    .max(12)
    .refine((types) => new Set(types.map((type) => type.name)).size === types.length, 'unique names'),
  defaultValue: [
    {
      name: '新装',
      photos: ['光猫及 SN 标签', '光功率计读数', '布线'],
      requiresSerials: true,
      requiresPower: true,
    },
    {
      name: '移机',
      photos: ['光猫及 SN 标签', '光功率计读数', '布线'],
      requiresSerials: true,
      requiresPower: true,
    },
    { name: '修障', photos: ['处理后的设备', '光功率计读数'], requiresSerials: false, requiresPower: true },
    { name: '拆机', photos: ['拆回设备及 SN 标签'], requiresSerials: true, requiresPower: false },
  ],
});

export const opticalPowerSetting = defineSetting({
  key: 'completion.opticalPower',
  description: 'Received optical power (dBm) that passes: from minDbm (weakest) to maxDbm (strongest)',
  schema: z
    .object({ minDbm: z.number().min(-60).max(10), maxDbm: z.number().min(-60).max(10) })
    .refine((value) => value.minDbm < value.maxDbm, 'minDbm must be below maxDbm'),
  defaultValue: { minDbm: -27, maxDbm: -8 },
});

export const rejectReasonsSetting = defineSetting({
  key: 'completion.rejectReasons',
  description: 'Reasons the completion desk can pick when rejecting a completion request (退单原因)',
  schema: z.array(z.string().min(1).max(64)).min(1).max(30),
  defaultValue: [
    '照片缺失或不清晰',
    '设备 SN 与工单不符',
    '光功率不达标',
    '工单号有误',
    '工单状态不允许报竣',
    '其他',
  ],
});

export const realertSetting = defineSetting({
  key: 'completion.realerts',
  description:
    'Minutes an unclaimed completion request waits before the desk is alerted again, then the lead group',
  schema: z
    .object({
      deskAfterMinutes: z.number().int().min(1).max(1440),
      leadAfterMinutes: z.number().int().min(1).max(2880),
      leadGroup: z.string().min(1).max(64),
    })
    .refine((value) => value.deskAfterMinutes < value.leadAfterMinutes, 'the lead comes after the desk'),
  defaultValue: { deskAfterMinutes: 10, leadAfterMinutes: 20, leadGroup: 'duty-leads' },
});
