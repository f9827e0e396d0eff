/**
 * Phone numbers are stored in E.164 (+8613800000000). Mainland mobile numbers are accepted as typed on
 * a phone keyboard — 11 digits, with or without 86 / +86, spaces or dashes.
 */
const MAINLAND_MOBILE = /^1[3-9]\d{9}$/;

export function toE164(raw: string): string | undefined {
  const compact = raw.trim().replace(/[\s\-()]/g, '');
  if (MAINLAND_MOBILE.test(compact)) return `+86${compact}`;
  const withCountry = compact.replace(/^00/, '+');
  if (/^86(1[3-9]\d{9})$/.test(withCountry)) return `+${withCountry}`;
  if (/^\+[1-9]\d{6,14}$/.test(withCountry)) return withCountry;
  return undefined;
}

/** 138****0000: enough for the owner to recognise, not enough to reveal the number. */
export function maskPhone(e164: string): string {
  const local = e164.startsWith('+86') ? e164.slice(3) : e164;
  return local.length >= 7 ? `${local.slice(0, 3)}****${local.slice(-4)}` : '****';
}
