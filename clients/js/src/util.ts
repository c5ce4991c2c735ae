// Small helpers shared by the probes and the collector. Nothing here touches a browser
// global when the module is imported: every access is inside a function, so the package can
// be imported during server-side rendering.

/** An object the probes fill field by field (the schema's groups: device, software, ...). */
export type Bag = Record<string, unknown>;

export function now(): number {
  return (window.performance && performance.now) ? performance.now() : Date.now();
}

/** Resolves with the promise's value, or undefined when it rejects or takes longer than ms. */
export function withTimeout<T>(promise: T | Promise<T> | undefined, ms: number): Promise<T | undefined> {
  return new Promise(function (resolve) {
    const timer = setTimeout(function () { resolve(undefined); }, ms);
    Promise.resolve(promise).then(
      function (value) { clearTimeout(timer); resolve(value); },
      function () { clearTimeout(timer); resolve(undefined); });
  });
}

/** A failing probe is skipped, never fatal. */
export function attempt<T>(fn: () => T): T | undefined {
  try { return fn(); } catch (e) { return undefined; }
}

export function isNumber(v: unknown): v is number {
  return typeof v === 'number' && isFinite(v);
}

export function intIn(v: unknown, lo: number, hi: number): number | undefined {
  if (typeof v === 'string' && v !== '') v = Number(v);
  if (!isNumber(v)) return undefined;
  return Math.min(hi, Math.max(lo, Math.round(v)));
}

export function numIn(v: unknown, lo: number, hi: number): number | undefined {
  if (typeof v === 'string' && v !== '') v = Number(v);
  if (!isNumber(v)) return undefined;
  return Math.min(hi, Math.max(lo, v));
}

export function strMax(v: unknown, max: number): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  return v.length > max ? v.slice(0, max) : v;
}

export function boolOf(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

/** Sets target[key], omitting null, undefined and NaN: the schema wants the type. */
export function put(target: Bag, key: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value === 'number' && !isFinite(value)) return;
  target[key] = value;
}

function hex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return out;
}

// cyrb53 (public domain): a fast 53-bit string hash, used where crypto.subtle is missing
// (pages not in a secure context).
function cyrb53(str: string, seed: number): string {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const n = 4294967296 * (2097151 & h2) + (h1 >>> 0);
  return ('00000000000000' + n.toString(16)).slice(-14);
}

/** Hex SHA-256 of a string (64 chars), or a 28-char cyrb53 pair without crypto.subtle. */
export function hashHex(str: string): Promise<string> {
  const subtle = window.crypto && crypto.subtle;
  if (subtle && window.TextEncoder) {
    return subtle.digest('SHA-256', new TextEncoder().encode(str))
      .then(function (buf) { return hex(new Uint8Array(buf)); })
      .catch(function () { return cyrb53(str, 1) + cyrb53(str, 2); });
  }
  return Promise.resolve(cyrb53(str, 1) + cyrb53(str, 2));
}

export function warn(message: string): void {
  if (window.console && console.warn) console.warn('anonscore: ' + message);
}
