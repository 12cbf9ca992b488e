import { createHmac } from 'node:crypto';

/** RFC 6238 defaults used by Dossier: HMAC-SHA1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 decoding; ignores whitespace, dashes, padding and case. */
export function base32Decode(input: string): Buffer {
  const clean = input.replace(/[\s=-]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const idx = BASE32_ALPHABET.indexOf(ch);
    if (idx < 0) throw new Error(`invalid base32 character ${JSON.stringify(ch)}`);
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 4226 HOTP with dynamic truncation. */
export function hotp(key: Buffer, counter: number, digits = TOTP_DIGITS, algorithm = 'sha1'): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, key).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin =
    ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return String(bin % 10 ** digits).padStart(digits, '0');
}

/** The time-step number for a Unix time in milliseconds. */
export function totpStep(nowMs = Date.now(), period = TOTP_PERIOD_SECONDS): number {
  return Math.floor(nowMs / 1000 / period);
}

/** Milliseconds left in the step containing `nowMs`. */
export function msLeftInStep(nowMs = Date.now(), period = TOTP_PERIOD_SECONDS): number {
  return period * 1000 - (nowMs % (period * 1000));
}

/** The code for a given time-step of a base32 secret. */
export function totpForStep(secretBase32: string, step: number, digits = TOTP_DIGITS): string {
  return hotp(base32Decode(secretBase32), step, digits);
}

/** The code for now (or `nowMs`). */
export function totp(secretBase32: string, nowMs = Date.now()): { code: string; step: number } {
  const step = totpStep(nowMs);
  return { code: totpForStep(secretBase32, step), step };
}

/** A 6-digit code that is not valid for the steps around now (for "wrong code" tests). */
export function wrongTotp(secretBase32: string, nowMs = Date.now()): string {
  const step = totpStep(nowMs);
  const valid = new Set<string>();
  for (let s = step - 2; s <= step + 2; s++) valid.add(totpForStep(secretBase32, s));
  let n = (Number(totpForStep(secretBase32, step)) + 500_001) % 1_000_000;
  while (valid.has(String(n).padStart(6, '0'))) n = (n + 1) % 1_000_000;
  return String(n).padStart(6, '0');
}
