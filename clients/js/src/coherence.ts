// Probes for lies: what the browser claims against what its engine does.
//
// Anti-detect kits dress a browser by scripts that run before the page's: they rewrite
// navigator, screen and WebGL answers. Such scripts rarely reach a dedicated worker or a
// fresh iframe, they leave functions behind that are not native, and the engine beneath
// still measures, lays out and renders as what it is. Each probe reports the names of
// what disagreed and a few coarse measurements, nothing else; the server decides what a
// name means for the device the browser claims to be (plugins/tampering.py). The reason
// codes are documented in docs/anti-detect.md.

import { type Bag, attempt, intIn, put, withTimeout } from './util.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- engines' non-standard members */

const WORKER_TIMEOUT_MS = 5000; // it holds nothing up (see `coherence`)
const IDLE_TIMEOUT_MS = 2000;

/** WebGL facts of a canvas (a page's, or an OffscreenCanvas in the worker). */
export interface GlFacts { vendor?: string; renderer?: string; max_texture?: number }

// The WebGL facts of a canvas: vendor and renderer as the page is told, and the largest
// texture the rasterizer takes (16384 and up on every desktop GPU of the last decade; 8192
// in SwiftShader).
export function glFacts(canvas: HTMLCanvasElement | OffscreenCanvas): GlFacts {
  const c = canvas as any;
  const gl = c.getContext('webgl') || c.getContext('experimental-webgl');
  if (!gl) return {};
  const out: Bag = {};
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  put(out, 'vendor', attempt(function () {
    return gl.getParameter(info ? info.UNMASKED_VENDOR_WEBGL : gl.VENDOR);
  }));
  put(out, 'renderer', attempt(function () {
    return gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER);
  }));
  put(out, 'max_texture', attempt(function () { return gl.getParameter(gl.MAX_TEXTURE_SIZE); }));
  const lose = gl.getExtension('WEBGL_lose_context');
  if (lose) lose.loseContext(); // free the context now, browsers keep only a few
  return out as GlFacts;
}

// The facts a costume rewrites, read in a scope: the page, an iframe's window, a worker.
export function factsOf(scope: any): Bag {
  const nav = scope.navigator;
  const out: Bag = {};
  put(out, 'user_agent', nav.userAgent);
  put(out, 'platform', nav.platform);
  put(out, 'languages', attempt(function () { return Array.prototype.join.call(nav.languages); }));
  put(out, 'hardware_concurrency', nav.hardwareConcurrency);
  put(out, 'device_memory', nav.deviceMemory);
  put(out, 'timezone', attempt(function () {
    return new scope.Intl.DateTimeFormat().resolvedOptions().timeZone;
  }));
  const uaData = nav.userAgentData;
  if (uaData) {
    put(out, 'ua_data', attempt(function () {
      return uaData.platform + '|' + uaData.mobile + '|' + uaData.brands.map(function (b: any) {
        return b.brand + '/' + b.version;
      }).join();
    }));
  }
  return out;
}

// Names of the facts both sides know and that differ.
function differences(a: Bag, b: Bag): string[] {
  return Object.keys(a).filter(function (key) {
    return b[key] !== undefined && String(a[key]) !== String(b[key]);
  });
}

// The collector itself runs as the worker: a URL the service serves (a strict CSP that
// allows the collector allows it as a worker too; a blob: URL it would refuse). A
// collector loaded from another origin than the page's cannot start one: undefined.
function workerFacts(workerUrl: string | null): Promise<Bag | undefined> | undefined {
  if (!window.Worker || !workerUrl) return undefined;
  const src = new URL(workerUrl, location.href);
  if (src.origin !== location.origin) return undefined;
  return withTimeout(new Promise<Bag>(function (resolve, reject) {
    const worker = new Worker(src.href);
    setTimeout(function () { worker.terminate(); }, WORKER_TIMEOUT_MS);
    worker.onmessage = function (event) { worker.terminate(); resolve(event.data); };
    worker.onerror = function (event) {
      if (event && event.preventDefault) event.preventDefault();
      worker.terminate();
      reject(new Error('worker failed'));
    };
    worker.postMessage(1);
  }), WORKER_TIMEOUT_MS);
}

// A fresh same-origin iframe: its window has its own, untouched copies of navigator,
// Function.prototype.toString and the prototypes; `use` reads them before it goes.
function withFrame<T>(use: (win: any) => T): T {
  const frame = document.createElement('iframe');
  frame.setAttribute('aria-hidden', 'true');
  frame.tabIndex = -1;
  frame.style.cssText = 'display:none';
  (document.body || document.documentElement).appendChild(frame);
  try {
    return use(frame.contentWindow);
  } finally {
    frame.parentNode!.removeChild(frame);
  }
}

// Getters and methods a costume rewrites. Identity: what the browser claims to be;
// readback: what privacy protections add noise to (extensions patch these in page JS).
// Each entry: [short name, interface, members...]; a finding is reported as
// `<short name>_<member in snake case>`, e.g. navigator_hardware_concurrency.
const IDENTITY = [
  ['navigator', 'Navigator', 'userAgent', 'platform', 'languages', 'hardwareConcurrency',
    'deviceMemory', 'userAgentData', 'webdriver', 'maxTouchPoints', 'vendor', 'plugins'],
  ['screen', 'Screen', 'width', 'height', 'availWidth', 'availHeight', 'colorDepth'],
  ['webgl', 'WebGLRenderingContext', 'getParameter'],
  ['intl', 'Intl.DateTimeFormat', 'resolvedOptions'],
  ['date', 'Date', 'getTimezoneOffset'],
];
const READBACK = [
  ['canvas', 'HTMLCanvasElement', 'toDataURL'],
  ['canvas', 'CanvasRenderingContext2D', 'getImageData', 'measureText'],
  ['audio', 'AudioBuffer', 'getChannelData'],
];

function lookup(scope: any, path: string): any {
  return path.split('.').reduce(function (at, key) { return at && at[key]; }, scope);
}

// How many frames the stack has when a function refuses a foreign `this`. A native
// getter or method throws from native code: as many frames as a reference native
// called from the same line (V8 keeps 10; our call chain is deeper). A Proxy's trap or a
// JS wrapper adds frames, and a kit that scrubs its own from the stack leaves fewer.
function thrownStack(fn: (...args: unknown[]) => unknown): number {
  try {
    fn.call(Object.create(null));
  } catch (error) {
    return String(error && (error as Error).stack).split('\n').filter(function (line) {
      return /^\s*at |@/.test(line);
    }).length;
  }
  return -1; // did not refuse at all: not the engine's function
}

function differ(pair: number[]): boolean { return pair[0] !== pair[1]; } // one call site for both: map's

// Names of the functions that are not what the engine ships: toString (the iframe's
// clean copy when there is one) must show a native function of that name, and the
// function must refuse a foreign `this` from where a reference native does.
function tamperedIn(list: string[][], toString: (this: unknown) => string): string[] {
  const found: string[] = [];
  const ref = Object.getOwnPropertyDescriptor(Node.prototype, 'nodeName')!.get!;
  list.forEach(function (entry) {
    const proto = attempt(function () { return lookup(window, entry[1]).prototype; });
    if (!proto) return;
    entry.slice(2).forEach(function (name) {
      const label = entry[0] + '_' + name.replace(/([a-z])([A-Z]+)/g, '$1_$2').toLowerCase();
      const d = Object.getOwnPropertyDescriptor(proto, name);
      const fn = d && (d.get || d.value);
      if (typeof fn !== 'function') return; // not in this engine
      const text = attempt(function () { return toString.call(fn); }) || '';
      const native = new RegExp('^function (get )?' + name + '\\(\\) \\{\\s*\\[native code\\]\\s*\\}$');
      if (!native.test(text)) {
        found.push(/^function \(\) \{\s*\[native code\]\s*\}$/.test(text) ? 'proxy' : label);
      } else if (differ([fn, ref].map(thrownStack))) {
        found.push(label);
      }
    });
  });
  return found;
}

interface NativeFindings { identity: string[]; readback: string[] }

function nativeChecks(clean: any): NativeFindings {
  const toString = (clean && clean.Function.prototype.toString) || Function.prototype.toString;
  const V8Error = Error as any; // stackTraceLimit: V8's own
  const limit = V8Error.stackTraceLimit; // V8's default, whatever the page set
  V8Error.stackTraceLimit = 10;
  try {
    return nativeFindings(toString, clean);
  } finally {
    V8Error.stackTraceLimit = limit;
  }
}

function nativeFindings(toString: (this: unknown) => string, clean: any): NativeFindings {
  const identity = tamperedIn(IDENTITY, toString);
  if (Object.getOwnPropertyNames(navigator).length) identity.push('navigator_own');
  if (clean && !/\[native code\]/.test(toString.call(Function.prototype.toString))) {
    identity.push('to_string');
  }
  return { identity: identity, readback: tamperedIn(READBACK, toString) };
}

function media(query: string): boolean {
  return window.matchMedia && window.matchMedia(query).matches;
}

// Geometry and input hardware: what layout and media queries say against navigator and
// screen (a costume rewrites the getters; the media queries still read the real screen).
function geometry(): { conflicts: string[]; pointer: string; hover: boolean; touch_events: boolean } {
  const scr = window.screen;
  const conflicts: string[] = [];
  const dpr = window.devicePixelRatio;
  if (scr.width > 0 && scr.height > 0 &&
      !media('(device-aspect-ratio: ' + scr.width + '/' + scr.height + ')')) {
    conflicts.push('screen_aspect');
  }
  if (dpr > 0 && !media('(min-resolution: ' + (dpr - 0.01) + 'dppx) and (max-resolution: ' +
      (dpr + 0.01) + 'dppx)')) {
    conflicts.push('pixel_ratio');
  }
  if (window.outerWidth > scr.width + 32 || window.outerHeight > scr.height + 32) {
    conflicts.push('window_larger_than_screen');
  }
  return {
    conflicts: conflicts,
    pointer: media('(pointer: coarse)') ? 'coarse' : media('(pointer: fine)') ? 'fine' : 'none',
    hover: media('(hover: hover)'),
    touch_events: 'ontouchstart' in window,
  };
}

// Fonts that only one OS family ships (as the collector's FONTS detects them).
const OS_FONTS: Record<string, string[]> = {
  windows: ['Segoe UI', 'Calibri', 'Consolas', 'Bahnschrift', 'Franklin Gothic Medium'],
  mac: ['Helvetica Neue', 'Menlo', 'Geneva', 'Lucida Grande', 'Monaco'],
  linux: ['DejaVu Sans', 'DejaVu Serif', 'Liberation Mono', 'Ubuntu'],
};

function fontFamilies(found: string[]): string[] {
  return Object.keys(OS_FONTS).filter(function (os) {
    return OS_FONTS[os].some(function (font) { return found.indexOf(font) >= 0; });
  });
}

// Built-ins with a known first Chromium/Firefox/Safari release: the engine's own age,
// whatever its user agent says (plugins/_engine_versions.py has the table).
const ENGINE_FEATURES: Record<string, () => unknown> = {
  find_last: function () { return ([] as any).findLast; },
  structured_clone: function () { return (window as any).structuredClone; },
  to_sorted: function () { return ([] as any).toSorted; },
  object_group_by: function () { return (Object as any).groupBy; },
  with_resolvers: function () { return (Promise as any).withResolvers; },
  set_union: function () { return (new Set() as any).union; },
  url_parse: function () { return (URL as any).parse; },
  promise_try: function () { return (Promise as any).try; },
  regexp_escape: function () { return (RegExp as any).escape; },
};

function engineFeatures(): string[] {
  return Object.keys(ENGINE_FEATURES).filter(function (name) {
    return typeof attempt(ENGINE_FEATURES[name]) === 'function';
  });
}

// The DevTools protocol at work: with its Runtime domain enabled (every CDP driver
// enables it, an open DevTools panel too) the inspector describes each logged error for
// its client and reads the error's `name` once more than the console itself does.
// Measured in Chromium 156: 1 read by hand, 2 under Playwright, headless or not.
function devtoolsProtocol(): boolean {
  let reads = 0;
  const probe = new Error('anonscore');
  Object.defineProperty(probe, 'name', { get: function () { reads += 1; return 'Error'; } });
  console.debug(probe);
  return reads > 1;
}

function putNative(out: Bag, native: NativeFindings | undefined): void {
  if (!native) return;
  put(out, 'native_claims', native.identity);
  put(out, 'native_readback', native.readback);
}

// Runs `fn` once the page is idle (at most IDLE_TIMEOUT_MS later): after the page's own
// start-up work and the collector's first gathering.
function whenIdle(fn: () => void): void {
  const run = function () { attempt(fn); };
  if ((window as any).requestIdleCallback) requestIdleCallback(run, { timeout: IDLE_TIMEOUT_MS });
  else setTimeout(run, 300);
}

// Returns the `coherence` group (schema: engine/schema.py Coherence) at once, with the
// cheap probes. The costlier ones (the native checks, the iframe's, the worker's) run
// once the page is idle and add their findings to the same object, so they never hold up
// the first collect: a flush sends the group as it is then, and the form's submit,
// seconds after the page loaded, finds them all.
export function coherence(gl: GlFacts, fontsFound: string[] | undefined,
  workerUrl: string | null): Bag {
  const out: Bag = {};
  const main = factsOf(window);
  if (gl.renderer) main.webgl_renderer = gl.renderer;
  const geo = attempt(geometry);
  if (geo) {
    put(out, 'geometry_conflicts', geo.conflicts);
    put(out, 'pointer', geo.pointer);
    put(out, 'hover', geo.hover);
    put(out, 'touch_events', geo.touch_events);
  }
  put(out, 'max_texture_size', intIn(gl.max_texture, 0, 1000000));
  if (fontsFound) put(out, 'font_families', fontFamilies(fontsFound));
  put(out, 'engine_features', attempt(engineFeatures));
  put(out, 'devtools_protocol', attempt(devtoolsProtocol));
  whenIdle(function () {
    const worker = attempt(function () { return workerFacts(workerUrl); });
    if (worker) {
      worker.then(function (facts) {
        if (facts) put(out, 'worker_differs', differences(main, facts));
      }, function () { /* no worker: field left out */ });
    }
    const framed = attempt(function () {
      return withFrame(function (win) {
        return { facts: factsOf(win), native: nativeChecks(win) };
      });
    });
    if (framed) put(out, 'frame_differs', differences(main, framed.facts));
    putNative(out, framed ? framed.native : attempt(function () { return nativeChecks(null); }));
  });
  return out;
}

/** The collector loaded as its own dedicated worker: answers what the engine says there,
 * where a costume's init scripts rarely reach. */
export function answerAsWorker(scope: any): void {
  scope.onmessage = function () {
    const facts = attempt(function () { return factsOf(scope); }) || {};
    const canvas = attempt(function () { return new OffscreenCanvas(1, 1); });
    const gl = canvas ? attempt(function () { return glFacts(canvas); }) : undefined;
    if (gl) facts.webgl_renderer = gl.renderer;
    scope.postMessage(facts);
  };
}
