// Probes for device, software and network: the attributes that do not change while the page
// is open, gathered once (`gatherStatic`). Every probe is guarded; a missing value is simply
// left out.

import { type GlFacts, coherence, glFacts } from './coherence.js';
import { pageSignals } from './signals.js';
import { type Bag, attempt, boolOf, hashHex, intIn, numIn, put, strMax, withTimeout } from './util.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- engines' non-standard members */

const AUDIO_TIMEOUT_MS = 500; // OfflineAudioContext can hang (background tabs, old engines)

/** What `gatherStatic` gives: the schema's groups (engine/schema.py). */
export interface StaticAttributes { device: Bag; software: Bag; network: Bag; coherence?: Bag }

function webgl(): GlFacts { return glFacts(document.createElement('canvas')); }

function canvasHash(): Promise<string> | undefined {
  const canvas = document.createElement('canvas');
  canvas.width = 240;
  canvas.height = 60;
  const ctx = canvas.getContext('2d');
  if (!ctx) return undefined;
  ctx.textBaseline = 'alphabetic';
  ctx.fillStyle = '#f60';
  ctx.fillRect(100, 1, 62, 20);
  ctx.fillStyle = '#069';
  ctx.font = '11pt "Times New Roman", serif';
  ctx.fillText('anonscore, Cwm fjordbank glyphs vext quiz \u{1F603}', 2, 15);
  ctx.fillStyle = 'rgba(102, 204, 0, 0.7)';
  ctx.font = '18pt Arial, sans-serif';
  ctx.fillText('anonscore \u00e9\u00df\u03a9', 4, 45);
  ctx.globalCompositeOperation = 'multiply';
  const colours = ['#f2f', '#2ff', '#ff2'];
  for (let i = 0; i < colours.length; i++) {
    ctx.fillStyle = colours[i];
    ctx.beginPath();
    ctx.arc(190 + i * 14, 30, 18, 0, Math.PI * 2, true);
    ctx.closePath();
    ctx.fill();
  }
  return hashHex(canvas.toDataURL());
}

function audioHash(): Promise<string | undefined> | undefined {
  const Offline = window.OfflineAudioContext || (window as any).webkitOfflineAudioContext;
  if (!Offline) return undefined;
  const rendered = new Promise<AudioBuffer>(function (resolve, reject) {
    const ctx = new Offline(1, 5000, 44100);
    const oscillator = ctx.createOscillator();
    oscillator.type = 'triangle';
    oscillator.frequency.value = 10000;
    const compressor = ctx.createDynamicsCompressor();
    compressor.threshold.value = -50;
    compressor.knee.value = 40;
    compressor.ratio.value = 12;
    compressor.attack.value = 0;
    compressor.release.value = 0.25;
    oscillator.connect(compressor);
    compressor.connect(ctx.destination);
    oscillator.start(0);
    ctx.oncomplete = function (event: OfflineAudioCompletionEvent) { resolve(event.renderedBuffer); };
    const promise = ctx.startRendering(); // a Promise in current engines, undefined in old ones
    if (promise && promise.then) promise.then(resolve, reject);
  });
  return withTimeout(rendered, AUDIO_TIMEOUT_MS).then(function (buffer) {
    if (!buffer) return undefined;
    const samples = buffer.getChannelData(0).subarray(4500, 5000);
    const parts: string[] = [];
    for (let i = 0; i < samples.length; i++) parts.push(samples[i].toPrecision(6));
    return hashHex(parts.join(','));
  });
}

const FONTS = [
  'Arial', 'Arial Black', 'Arial Narrow', 'Bahnschrift', 'Book Antiqua', 'Bookman Old Style',
  'Calibri', 'Cambria', 'Candara', 'Century Gothic', 'Comic Sans MS', 'Consolas', 'Constantia',
  'Corbel', 'Courier New', 'DejaVu Sans', 'DejaVu Serif', 'Droid Sans', 'Franklin Gothic Medium',
  'Garamond', 'Geneva', 'Georgia', 'Helvetica', 'Helvetica Neue', 'Impact', 'Liberation Mono',
  'Liberation Sans', 'Lucida Console', 'Lucida Grande', 'Menlo', 'Monaco', 'Noto Sans',
  'Palatino Linotype', 'Roboto', 'Segoe UI', 'Tahoma', 'Times New Roman', 'Trebuchet MS',
  'Ubuntu', 'Verdana',
];
const BASE_FAMILIES = ['monospace', 'sans-serif', 'serif'];

function fonts(): { count: number; hash: Promise<string>; found: string[] } | undefined {
  const ctx = document.createElement('canvas').getContext('2d');
  if (!ctx) return undefined;
  const sample = 'mmmmmmmmmmlli WwQq 0123';
  function width(family: string): number {
    ctx!.font = '72px ' + family;
    return ctx!.measureText(sample).width;
  }
  const base = BASE_FAMILIES.map(width);
  const found = FONTS.filter(function (font) {
    return BASE_FAMILIES.some(function (family, i) {
      return width('"' + font + '", ' + family) !== base[i];
    });
  });
  return { count: found.length, hash: hashHex(found.join(',')), found: found };
}

function uaDataBrands(uaData: any): string[] | undefined {
  const brands = (uaData && uaData.brands) || [];
  const out: string[] = [];
  for (let i = 0; i < brands.length && out.length < 16; i++) {
    const brand = String(brands[i].brand || '').slice(0, 48);
    const major = parseInt(brands[i].version, 10);
    if (brand && isFinite(major)) out.push(brand + '/' + major);
  }
  return out.length ? out : undefined;
}

function languages(): string[] {
  const list: unknown[] = navigator.languages && navigator.languages.length
    ? Array.prototype.slice.call(navigator.languages)
    : [navigator.language];
  return (list.filter(function (tag) {
    return typeof tag === 'string' && tag !== '' && tag.length <= 35;
  }) as string[]).slice(0, 32);
}

function gatherDevice(device: Bag, later: (key: string, fn: () => unknown) => void): {
  gl: GlFacts; fontInfo: ReturnType<typeof fonts>;
} {
  const scr: any = window.screen || {};
  const nav: any = navigator;
  put(device, 'screen_width', attempt(function () { return intIn(scr.width, 0, 100000); }));
  put(device, 'screen_height', attempt(function () { return intIn(scr.height, 0, 100000); }));
  put(device, 'pixel_ratio', attempt(function () { return numIn(window.devicePixelRatio, 0, 64); }));
  put(device, 'color_depth', attempt(function () { return intIn(scr.colorDepth, 0, 64); }));
  put(device, 'hardware_concurrency',
    attempt(function () { return intIn(nav.hardwareConcurrency, 0, 4096); }));
  put(device, 'device_memory', attempt(function () { return numIn(nav.deviceMemory, 0, 4096); }));
  put(device, 'touch_points', attempt(function () { return intIn(nav.maxTouchPoints, 0, 256); }));
  const gl = attempt(webgl) || {};
  put(device, 'webgl_vendor', strMax(gl.vendor, 256));
  put(device, 'webgl_renderer', strMax(gl.renderer, 256));
  later('canvas_hash', canvasHash);
  later('audio_hash', audioHash);
  const fontInfo = attempt(fonts);
  if (fontInfo) {
    put(device, 'fonts_count', intIn(fontInfo.count, 0, 1000000000));
    later('fonts_hash', function () { return fontInfo.hash; });
  }
  put(device, 'plugins_count', attempt(function () {
    return intIn(nav.plugins ? nav.plugins.length : undefined, 0, 1000000000);
  }));
  return { gl: gl, fontInfo: fontInfo };
}

function gatherSoftware(software: Bag): any {
  const nav: any = navigator;
  put(software, 'user_agent', attempt(function () { return strMax(nav.userAgent, 1024); }));
  put(software, 'platform', attempt(function () {
    const uaData = nav.userAgentData;
    return strMax(nav.platform || (uaData && uaData.platform), 256);
  }));
  put(software, 'languages', attempt(languages));
  put(software, 'timezone', attempt(function () {
    return strMax(Intl.DateTimeFormat().resolvedOptions().timeZone, 256);
  }));
  put(software, 'timezone_offset_min', attempt(function () {
    return intIn(-new Date().getTimezoneOffset(), -900, 900); // minutes east of UTC
  }));
  put(software, 'do_not_track', attempt(function () {
    return nav.doNotTrack === '1' || (window as any).doNotTrack === '1';
  }));
  put(software, 'webdriver', attempt(function () { return nav.webdriver === true; }));
  const uaData = attempt(function () { return nav.userAgentData; });
  if (uaData) {
    put(software, 'ua_data_brands', attempt(function () { return uaDataBrands(uaData); }));
    put(software, 'ua_data_platform', attempt(function () { return strMax(uaData.platform, 256); }));
    put(software, 'ua_data_mobile', attempt(function () { return boolOf(uaData.mobile); }));
  }
  return uaData;
}

// Returns a Promise of {device, software, network, coherence}. `workerUrl` is the script
// the worker probe starts (the collector's own URL), or null for none.
export function gatherStatic(workerUrl: string | null): Promise<StaticAttributes> {
  const device: Bag = {};
  const software: Bag = {};
  const network: Bag = {};
  const pending: Promise<void>[] = [];
  let checks: Bag = {};

  function later(key: string, promiseFn: () => unknown): void {
    const promise = attempt(promiseFn);
    if (!promise) return;
    pending.push(Promise.resolve(promise).then(
      function (value) { put(device, key, strMax(value, 128)); },
      function () { /* probe failed: field left out */ }));
  }

  const found = gatherDevice(device, later);
  const uaData = gatherSoftware(software);
  const lies = attempt(function () {
    return coherence(found.gl, found.fontInfo && found.fontInfo.found, workerUrl);
  });
  if (lies) checks = lies;
  const signals = attempt(function () { return pageSignals(uaData); });
  if (signals) {
    pending.push(signals.then(function (names) {
      put(software, 'automation_signals', names || []);
    }, function () { /* probe failed: field left out */ }));
  }

  const connection = attempt(function () { return (navigator as any).connection; });
  if (connection) {
    put(network, 'connection_type',
      attempt(function () { return strMax(connection.type || connection.effectiveType, 256); }));
    put(network, 'downlink_mbps', attempt(function () { return numIn(connection.downlink, 0, 100000); }));
    put(network, 'rtt_ms', attempt(function () { return intIn(connection.rtt, 0, 86400000); }));
  }

  return Promise.all(pending).then(function () {
    return { device: device, software: software, network: network, coherence: checks };
  });
}
