import { describe, expect, it } from '@jest/globals';
import { enUS } from './en-US';
import { localeFromAcceptLanguage, t } from '.';
import { zhCN } from './zh-CN';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe('i18n', () => {
  it('has the same keys and the same placeholders in every language', () => {
    expect(Object.keys(enUS).sort()).toEqual(Object.keys(zhCN).sort());
    for (const [key, text] of Object.entries(zhCN)) {
      expect([key, placeholders(enUS[key as keyof typeof zhCN])]).toEqual([key, placeholders(text)]);
    }
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(t('zh-CN', 'health.notReady.pendingMigrations', { count: 2 })).toBe('有 2 个数据库迁移尚未执行');
    expect(t('en-US', 'health.notReady.pendingMigrations')).toBe(
      '{count} database migration(s) have not been applied',
    );
  });

  it('prefers Chinese unless the browser ranks English higher', () => {
    expect(localeFromAcceptLanguage(undefined)).toBe('zh-CN');
    expect(localeFromAcceptLanguage('en-US,en;q=0.9,zh-CN;q=0.8')).toBe('en-US');
    expect(localeFromAcceptLanguage('zh-TW,en;q=0.5')).toBe('zh-CN');
    expect(localeFromAcceptLanguage('fr-FR, en;q=0.3')).toBe('en-US');
    expect(localeFromAcceptLanguage('de-DE')).toBe('zh-CN');
    expect(localeFromAcceptLanguage('en;q=0, zh;q=0.1')).toBe('zh-CN');
  });
});
