import { z } from 'zod';
import { defineSetting } from '../settings';

const categories = z.array(z.string().min(1).max(32)).min(1).max(20);

export const hazardCategoriesSetting = defineSetting({
  key: 'report.hazardCategories',
  description: 'Hazard categories offered to engineers (隐患类别)',
  schema: categories,
  defaultValue: ['线路', '杆路', '箱体/光交', '用电安全', '高处作业', '其他'],
});

export const leadCategoriesSetting = defineSetting({
  key: 'report.leadCategories',
  description: 'Business-lead categories offered to engineers (商机类别)',
  schema: categories,
  defaultValue: ['宽带新装', '提速/升级', 'IPTV', '政企专线', '其他'],
});

export const criticalHazardCategoriesSetting = defineSetting({
  key: 'report.criticalHazardCategories',
  description: 'Hazard categories that also alert the area manager at once',
  schema: z.array(z.string().min(1).max(32)).max(20),
  defaultValue: ['用电安全', '高处作业'],
});

export const reportReminderSetting = defineSetting({
  key: 'report.reminders',
  description: 'Minutes a report may stay untouched before the desk, then the manager, is reminded',
  schema: z.object({
    deskAfterMinutes: z.number().int().min(5).max(10_080),
    managerAfterMinutes: z.number().int().min(5).max(20_160),
  }),
  defaultValue: { deskAfterMinutes: 60, managerAfterMinutes: 240 },
});
