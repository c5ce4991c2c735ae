/*! anonscore web collector — Apache-2.0
 *
 * Gathers device, software, network and behaviour attributes for one session and posts them
 * to the anonscore service. It never reads what a visitor types: form fields are counted
 * (characters typed and pasted, corrections, time in focus), not read; no cookie, no
 * localStorage, no sessionStorage. The session id lives in page memory only; IndexedDB
 * (database `anonscore`) holds one value, the persistent session, and only when the tenant
 * enabled it.
 *
 *   <script src="https://risk.example/collector.js" data-site-key="SITE_KEY"></script>
 *   <form data-anonscore> ... </form>      (forms with data-anonscore are attached on load)
 *
 * Configuration, from the script tag (or from `window.anonscoreConfig = {siteKey, endpoint}`
 * set before the script, which wins over the tag):
 *   data-site-key   the tenant's public site key (required)
 *   data-endpoint   base URL of the service; default: the directory this script was loaded from
 *
 * API (window.anonscore):
 *   ready           Promise of the session id once the session exists (null if the service
 *                   could not be reached: the collector never breaks the page)
 *   sessionId()     the session id, or null
 *   flush()         Promise: posts the current attributes to /v1/collect; resolves with the
 *                   service's answer ({accepted, dropped}) or null on failure, never rejects
 *   attach(form)    tracks the form's fields; on submit, flushes (at most SUBMIT_WAIT_MS),
 *                   writes the session id into a hidden input `anonscore_session_id`, then lets
 *                   the submission go on
 *   optOut()        the visitor's opt-out: stops collecting on this page at once (nothing more
 *                   is counted or posted, sessionId() answers null, forms carry an empty
 *                   session id), deletes the IndexedDB database, and asks the service to erase
 *                   the session and what its persistent session linked at this tenant
 *                   (POST /v1/optout). Promise of {erased: n} (sessions erased; 0 when a
 *                   second call finds nothing left); rejects with an Error saying what failed
 *
 * Plain ES2018, no dependencies, no build step.
 */
(function () {
  'use strict';

  // Loaded as its own dedicated worker (see `workerFacts`): answer what the engine says
  // there, where a costume's init scripts rarely reach, and stop.
  if (typeof window === 'undefined') {
    if (typeof self !== 'undefined' && typeof postMessage === 'function') {
      self.onmessage = function () {
        var facts = attempt(function () { return factsOf(self); }) || {};
        var canvas = attempt(function () { return new OffscreenCanvas(1, 1); });
        var gl = canvas ? attempt(function () { return glFacts(canvas); }) : undefined;
        if (gl) facts.webgl_renderer = gl.renderer;
        postMessage(facts);
      };
    }
    return;
  }

  if (window.anonscore && window.anonscore.version) {
    return; // included twice: the first copy is in charge
  }

  var VERSION = '1';
  var SUBMIT_WAIT_MS = 1500; // a broken service never blocks the applicant longer than this
  var SESSION_TIMEOUT_MS = 5000;
  var AUDIO_TIMEOUT_MS = 500; // OfflineAudioContext can hang (background tabs, old engines)
  var IDB_TIMEOUT_MS = 1000;
  var IDB_NAME = 'anonscore';
  var IDB_DELETE_TIMEOUT_MS = 3000; // another tab of the site may hold the database open
  var MAX_FIELDS = 128;
  var MAX_INTERVALS = 2048;
  var MAX_INTERVAL_MS = 60000;
  var HIDDEN_INPUT = 'anonscore_session_id';

  // -- configuration ----------------------------------------------------------------------

  // currentScript is null when a tag manager evaluates the script: then look for the tag.
  var script = document.currentScript ||
    document.querySelector('script[data-site-key][src*="collector.js"]');
  var overrides = window.anonscoreConfig || {};

  function scriptData(name) {
    return script && script.getAttribute ? script.getAttribute(name) : null;
  }

  // The default endpoint is the directory this script was loaded from (its URL minus the
  // file name): loaded as /a7/collector.js through the lender's own proxy, the collector
  // posts to /a7/v1/...; loaded as /collector.js from our host, to that host's root.
  function defaultEndpoint() {
    try {
      if (script && script.src) {
        var url = new URL(script.src, location.href);
        return url.origin + url.pathname.replace(/\/[^\/]*$/, '');
      }
    } catch (e) { /* fall through */ }
    return location.origin;
  }

  var siteKey = overrides.siteKey || scriptData('data-site-key');
  var endpoint = String(overrides.endpoint || scriptData('data-endpoint') || defaultEndpoint())
    .replace(/\/+$/, '');

  // -- small helpers ----------------------------------------------------------------------

  function now() {
    return (window.performance && performance.now) ? performance.now() : Date.now();
  }

  function withTimeout(promise, ms) {
    return new Promise(function (resolve) {
      var timer = setTimeout(function () { resolve(undefined); }, ms);
      Promise.resolve(promise).then(
        function (value) { clearTimeout(timer); resolve(value); },
        function () { clearTimeout(timer); resolve(undefined); });
    });
  }

  function attempt(fn) { // a failing probe is skipped, never fatal
    try { return fn(); } catch (e) { return undefined; }
  }

  function isNumber(v) { return typeof v === 'number' && isFinite(v); }

  function intIn(v, lo, hi) {
    if (typeof v === 'string' && v !== '') v = Number(v);
    if (!isNumber(v)) return undefined;
    return Math.min(hi, Math.max(lo, Math.round(v)));
  }

  function numIn(v, lo, hi) {
    if (typeof v === 'string' && v !== '') v = Number(v);
    if (!isNumber(v)) return undefined;
    return Math.min(hi, Math.max(lo, v));
  }

  function strMax(v, max) {
    if (typeof v !== 'string' || v === '') return undefined;
    return v.length > max ? v.slice(0, max) : v;
  }

  function boolOf(v) { return typeof v === 'boolean' ? v : undefined; }

  function put(target, key, value) { // omit null, undefined, NaN: the schema wants the type
    if (value === undefined || value === null) return;
    if (typeof value === 'number' && !isFinite(value)) return;
    target[key] = value;
  }

  function hex(bytes) {
    var out = '';
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return out;
  }

  // cyrb53 (public domain): a fast 53-bit string hash, used where crypto.subtle is missing
  // (pages not in a secure context).
  function cyrb53(str, seed) {
    var h1 = 0xdeadbeef ^ seed;
    var h2 = 0x41c6ce57 ^ seed;
    for (var i = 0; i < str.length; i++) {
      var ch = str.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    var n = 4294967296 * (2097151 & h2) + (h1 >>> 0);
    return ('00000000000000' + n.toString(16)).slice(-14);
  }

  // Hex SHA-256 of a string (64 chars), or a 28-char cyrb53 pair without crypto.subtle.
  function hashHex(str) {
    var subtle = window.crypto && crypto.subtle;
    if (subtle && window.TextEncoder) {
      return subtle.digest('SHA-256', new TextEncoder().encode(str))
        .then(function (buf) { return hex(new Uint8Array(buf)); })
        .catch(function () { return cyrb53(str, 1) + cyrb53(str, 2); });
    }
    return Promise.resolve(cyrb53(str, 1) + cyrb53(str, 2));
  }

  function postJson(path, body, keepalive) {
    var init = {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    };
    // keepalive lets a flush finish while the page unloads; browsers cap its body at 64 KiB.
    if (keepalive && init.body.length < 60000) init.keepalive = true;
    return fetch(endpoint + path, init).catch(function (error) {
      if (!init.keepalive) throw error;
      delete init.keepalive; // some engines refuse keepalive with a CORS preflight: retry plain
      return fetch(endpoint + path, init);
    });
  }

  function warn(message) {
    if (window.console && console.warn) console.warn('anonscore: ' + message);
  }

  // -- probes: device, software, network (gathered once) --------------------------------

  // The WebGL facts of a canvas (a page's, or an OffscreenCanvas in the worker): vendor and
  // renderer as the page is told, and the largest texture the rasterizer takes (16384 and
  // up on every desktop GPU of the last decade; 8192 in SwiftShader).
  function glFacts(canvas) {
    var gl = canvas.getContext('webgl') || canvas.getContext('experimental-webgl');
    if (!gl) return {};
    var out = {};
    var info = gl.getExtension('WEBGL_debug_renderer_info');
    put(out, 'vendor', attempt(function () {
      return gl.getParameter(info ? info.UNMASKED_VENDOR_WEBGL : gl.VENDOR);
    }));
    put(out, 'renderer', attempt(function () {
      return gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER);
    }));
    put(out, 'max_texture', attempt(function () { return gl.getParameter(gl.MAX_TEXTURE_SIZE); }));
    var lose = gl.getExtension('WEBGL_lose_context');
    if (lose) lose.loseContext(); // free the context now, browsers keep only a few
    return out;
  }

  function webgl() { return glFacts(document.createElement('canvas')); }

  function canvasHash() {
    var canvas = document.createElement('canvas');
    canvas.width = 240;
    canvas.height = 60;
    var ctx = canvas.getContext('2d');
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
    var colours = ['#f2f', '#2ff', '#ff2'];
    for (var i = 0; i < colours.length; i++) {
      ctx.fillStyle = colours[i];
      ctx.beginPath();
      ctx.arc(190 + i * 14, 30, 18, 0, Math.PI * 2, true);
      ctx.closePath();
      ctx.fill();
    }
    return hashHex(canvas.toDataURL());
  }

  function audioHash() {
    var Offline = window.OfflineAudioContext || window.webkitOfflineAudioContext;
    if (!Offline) return undefined;
    var rendered = new Promise(function (resolve, reject) {
      var ctx = new Offline(1, 5000, 44100);
      var oscillator = ctx.createOscillator();
      oscillator.type = 'triangle';
      oscillator.frequency.value = 10000;
      var compressor = ctx.createDynamicsCompressor();
      compressor.threshold.value = -50;
      compressor.knee.value = 40;
      compressor.ratio.value = 12;
      compressor.attack.value = 0;
      compressor.release.value = 0.25;
      oscillator.connect(compressor);
      compressor.connect(ctx.destination);
      oscillator.start(0);
      ctx.oncomplete = function (event) { resolve(event.renderedBuffer); };
      var promise = ctx.startRendering(); // a Promise in current engines, undefined in old ones
      if (promise && promise.then) promise.then(resolve, reject);
    });
    return withTimeout(rendered, AUDIO_TIMEOUT_MS).then(function (buffer) {
      if (!buffer) return undefined;
      var samples = buffer.getChannelData(0).subarray(4500, 5000);
      var parts = [];
      for (var i = 0; i < samples.length; i++) parts.push(samples[i].toPrecision(6));
      return hashHex(parts.join(','));
    });
  }

  var FONTS = [
    'Arial', 'Arial Black', 'Arial Narrow', 'Bahnschrift', 'Book Antiqua', 'Bookman Old Style',
    'Calibri', 'Cambria', 'Candara', 'Century Gothic', 'Comic Sans MS', 'Consolas', 'Constantia',
    'Corbel', 'Courier New', 'DejaVu Sans', 'DejaVu Serif', 'Droid Sans', 'Franklin Gothic Medium',
    'Garamond', 'Geneva', 'Georgia', 'Helvetica', 'Helvetica Neue', 'Impact', 'Liberation Mono',
    'Liberation Sans', 'Lucida Console', 'Lucida Grande', 'Menlo', 'Monaco', 'Noto Sans',
    'Palatino Linotype', 'Roboto', 'Segoe UI', 'Tahoma', 'Times New Roman', 'Trebuchet MS',
    'Ubuntu', 'Verdana',
  ];
  var BASE_FAMILIES = ['monospace', 'sans-serif', 'serif'];

  function fonts() {
    var ctx = document.createElement('canvas').getContext('2d');
    if (!ctx) return undefined;
    var sample = 'mmmmmmmmmmlli WwQq 0123';
    function width(family) {
      ctx.font = '72px ' + family;
      return ctx.measureText(sample).width;
    }
    var base = BASE_FAMILIES.map(width);
    var found = FONTS.filter(function (font) {
      return BASE_FAMILIES.some(function (family, i) {
        return width('"' + font + '", ' + family) !== base[i];
      });
    });
    return { count: found.length, hash: hashHex(found.join(',')), found: found };
  }

  // -- probes: lies (what the browser claims against what its engine does) ---------------
  //
  // Anti-detect kits dress a browser by scripts that run before the page's: they rewrite
  // navigator, screen and WebGL answers. Such scripts rarely reach a dedicated worker or a
  // fresh iframe, they leave functions behind that are not native, and the engine beneath
  // still measures, lays out and renders as what it is. Each probe reports the names of
  // what disagreed and a few coarse measurements, nothing else; the server decides what a
  // name means for the device the browser claims to be (plugins/tampering.py). The reason
  // codes are documented in docs/anti-detect.md.

  var WORKER_TIMEOUT_MS = 5000; // it holds nothing up (see `coherence`)
  var IDLE_TIMEOUT_MS = 2000;

  // The facts a costume rewrites, read in a scope: the page, an iframe's window, a worker.
  function factsOf(scope) {
    var nav = scope.navigator;
    var out = {};
    put(out, 'user_agent', nav.userAgent);
    put(out, 'platform', nav.platform);
    put(out, 'languages', attempt(function () { return Array.prototype.join.call(nav.languages); }));
    put(out, 'hardware_concurrency', nav.hardwareConcurrency);
    put(out, 'device_memory', nav.deviceMemory);
    put(out, 'timezone', attempt(function () {
      return new scope.Intl.DateTimeFormat().resolvedOptions().timeZone;
    }));
    var uaData = nav.userAgentData;
    if (uaData) {
      put(out, 'ua_data', attempt(function () {
        return uaData.platform + '|' + uaData.mobile + '|' + uaData.brands.map(function (b) {
          return b.brand + '/' + b.version;
        }).join();
      }));
    }
    return out;
  }

  // Names of the facts both sides know and that differ.
  function differences(a, b) {
    return Object.keys(a).filter(function (key) {
      return b[key] !== undefined && String(a[key]) !== String(b[key]);
    });
  }

  // The collector itself runs as the worker: a URL the service serves (a strict CSP that
  // allows the collector allows it as a worker too; a blob: URL it would refuse). A
  // collector loaded from another origin than the page's cannot start one: undefined.
  function workerFacts() {
    if (!window.Worker || !script || !script.src) return undefined;
    var src = new URL(script.src, location.href);
    if (src.origin !== location.origin) return undefined;
    return withTimeout(new Promise(function (resolve, reject) {
      var worker = new Worker(src.href);
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
  function withFrame(use) {
    var frame = document.createElement('iframe');
    frame.setAttribute('aria-hidden', 'true');
    frame.tabIndex = -1;
    frame.style.cssText = 'display:none';
    (document.body || document.documentElement).appendChild(frame);
    try {
      return use(frame.contentWindow);
    } finally {
      frame.parentNode.removeChild(frame);
    }
  }

  // Getters and methods a costume rewrites. Identity: what the browser claims to be;
  // readback: what privacy protections add noise to (extensions patch these in page JS).
  // Each entry: [short name, interface, members...]; a finding is reported as
  // `<short name>_<member in snake case>`, e.g. navigator_hardware_concurrency.
  var IDENTITY = [
    ['navigator', 'Navigator', 'userAgent', 'platform', 'languages', 'hardwareConcurrency',
      'deviceMemory', 'userAgentData', 'webdriver', 'maxTouchPoints', 'vendor', 'plugins'],
    ['screen', 'Screen', 'width', 'height', 'availWidth', 'availHeight', 'colorDepth'],
    ['webgl', 'WebGLRenderingContext', 'getParameter'],
    ['intl', 'Intl.DateTimeFormat', 'resolvedOptions'],
    ['date', 'Date', 'getTimezoneOffset'],
  ];
  var READBACK = [
    ['canvas', 'HTMLCanvasElement', 'toDataURL'],
    ['canvas', 'CanvasRenderingContext2D', 'getImageData', 'measureText'],
    ['audio', 'AudioBuffer', 'getChannelData'],
  ];

  function lookup(scope, path) {
    return path.split('.').reduce(function (at, key) { return at && at[key]; }, scope);
  }

  // How many frames the stack has when a function refuses a foreign `this`. A native
  // getter or method throws from native code: as many frames as a reference native
  // called from the same line (V8 keeps 10; our call chain is deeper). A Proxy's trap or a
  // JS wrapper adds frames, and a kit that scrubs its own from the stack leaves fewer.
  function thrownStack(fn) {
    try {
      fn.call(Object.create(null));
    } catch (error) {
      return String(error && error.stack).split('\n').filter(function (line) {
        return /^\s*at |@/.test(line);
      }).length;
    }
    return -1; // did not refuse at all: not the engine's function
  }

  function differ(pair) { return pair[0] !== pair[1]; } // one call site for both: map's

  // Names of the functions that are not what the engine ships: toString (the iframe's
  // clean copy when there is one) must show a native function of that name, and the
  // function must refuse a foreign `this` from where a reference native does.
  function tamperedIn(list, toString) {
    var found = [];
    var ref = Object.getOwnPropertyDescriptor(Node.prototype, 'nodeName').get;
    list.forEach(function (entry) {
      var proto = attempt(function () { return lookup(window, entry[1]).prototype; });
      if (!proto) return;
      entry.slice(2).forEach(function (name) {
        var label = entry[0] + '_' + name.replace(/([a-z])([A-Z]+)/g, '$1_$2').toLowerCase();
        var d = Object.getOwnPropertyDescriptor(proto, name);
        var fn = d && (d.get || d.value);
        if (typeof fn !== 'function') return; // not in this engine
        var text = attempt(function () { return toString.call(fn); }) || '';
        var native = new RegExp('^function (get )?' + name + '\\(\\) \\{\\s*\\[native code\\]\\s*\\}$');
        if (!native.test(text)) {
          found.push(/^function \(\) \{\s*\[native code\]\s*\}$/.test(text) ? 'proxy' : label);
        } else if (differ([fn, ref].map(thrownStack))) {
          found.push(label);
        }
      });
    });
    return found;
  }

  function nativeChecks(clean) {
    var toString = (clean && clean.Function.prototype.toString) || Function.prototype.toString;
    var limit = Error.stackTraceLimit; // V8's default, whatever the page set
    Error.stackTraceLimit = 10;
    try {
      return nativeFindings(toString, clean);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }

  function nativeFindings(toString, clean) {
    var identity = tamperedIn(IDENTITY, toString);
    if (Object.getOwnPropertyNames(navigator).length) identity.push('navigator_own');
    if (clean && !/\[native code\]/.test(toString.call(Function.prototype.toString))) {
      identity.push('to_string');
    }
    return { identity: identity, readback: tamperedIn(READBACK, toString) };
  }

  function media(query) { return window.matchMedia && window.matchMedia(query).matches; }

  // Geometry and input hardware: what layout and media queries say against navigator and
  // screen (a costume rewrites the getters; the media queries still read the real screen).
  function geometry() {
    var scr = window.screen;
    var out = { conflicts: [] };
    var dpr = window.devicePixelRatio;
    if (scr.width > 0 && scr.height > 0 &&
        !media('(device-aspect-ratio: ' + scr.width + '/' + scr.height + ')')) {
      out.conflicts.push('screen_aspect');
    }
    if (dpr > 0 && !media('(min-resolution: ' + (dpr - 0.01) + 'dppx) and (max-resolution: ' +
        (dpr + 0.01) + 'dppx)')) {
      out.conflicts.push('pixel_ratio');
    }
    if (window.outerWidth > scr.width + 32 || window.outerHeight > scr.height + 32) {
      out.conflicts.push('window_larger_than_screen');
    }
    out.pointer = media('(pointer: coarse)') ? 'coarse' : media('(pointer: fine)') ? 'fine'
      : 'none';
    out.hover = media('(hover: hover)');
    out.touch_events = 'ontouchstart' in window;
    return out;
  }

  // Fonts that only one OS family ships (as collector FONTS detects them).
  var OS_FONTS = {
    windows: ['Segoe UI', 'Calibri', 'Consolas', 'Bahnschrift', 'Franklin Gothic Medium'],
    mac: ['Helvetica Neue', 'Menlo', 'Geneva', 'Lucida Grande', 'Monaco'],
    linux: ['DejaVu Sans', 'DejaVu Serif', 'Liberation Mono', 'Ubuntu'],
  };

  function fontFamilies(found) {
    return Object.keys(OS_FONTS).filter(function (os) {
      return OS_FONTS[os].some(function (font) { return found.indexOf(font) >= 0; });
    });
  }

  // Built-ins with a known first Chromium/Firefox/Safari release: the engine's own age,
  // whatever its user agent says (plugins/_engine_versions.py has the table).
  var ENGINE_FEATURES = {
    find_last: function () { return [].findLast; },
    structured_clone: function () { return window.structuredClone; },
    to_sorted: function () { return [].toSorted; },
    object_group_by: function () { return Object.groupBy; },
    with_resolvers: function () { return Promise.withResolvers; },
    set_union: function () { return new Set().union; },
    url_parse: function () { return URL.parse; },
    promise_try: function () { return Promise.try; },
    regexp_escape: function () { return RegExp.escape; },
  };

  function engineFeatures() {
    return Object.keys(ENGINE_FEATURES).filter(function (name) {
      return typeof attempt(ENGINE_FEATURES[name]) === 'function';
    });
  }

  // The DevTools protocol at work: with its Runtime domain enabled (every CDP driver
  // enables it, an open DevTools panel too) the inspector describes each logged error for
  // its client and reads the error's `name` once more than the console itself does.
  // Measured in Chromium 156: 1 read by hand, 2 under Playwright, headless or not.
  function devtoolsProtocol() {
    var reads = 0;
    var probe = new Error('anonscore');
    Object.defineProperty(probe, 'name', { get: function () { reads += 1; return 'Error'; } });
    console.debug(probe);
    return reads > 1;
  }

  function putNative(out, native) {
    if (!native) return;
    put(out, 'native_claims', native.identity);
    put(out, 'native_readback', native.readback);
  }

  // Returns the `coherence` group (schema: engine/schema.py Coherence) at once, with the
  // cheap probes. The costlier ones (the native checks, the iframe's, the worker's) run
  // once the page is idle and add their findings to the same object, so they never hold up
  // the first collect: a flush sends the group as it is then, and the form's submit,
  // seconds after the page loaded, finds them all.
  function coherence(gl, fontsFound) {
    var out = {};
    var main = factsOf(window);
    if (gl.renderer) main.webgl_renderer = gl.renderer;
    var geo = attempt(geometry);
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
      var worker = attempt(workerFacts);
      if (worker) {
        worker.then(function (facts) {
          if (facts) put(out, 'worker_differs', differences(main, facts));
        }, function () { /* no worker: field left out */ });
      }
      var framed = attempt(function () {
        return withFrame(function (win) {
          return { facts: factsOf(win), native: nativeChecks(win) };
        });
      });
      if (framed) put(out, 'frame_differs', differences(main, framed.facts));
      putNative(out, framed ? framed.native : attempt(function () { return nativeChecks(null); }));
    });
    return out;
  }

  // Runs `fn` once the page is idle (at most IDLE_TIMEOUT_MS later): after the page's own
  // start-up work and the collector's first gathering.
  function whenIdle(fn) {
    var run = function () { attempt(fn); };
    if (window.requestIdleCallback) requestIdleCallback(run, { timeout: IDLE_TIMEOUT_MS });
    else setTimeout(run, 300);
  }

  // -- probes: traces of a driven browser (names of what was found, nothing else) ---------
  //
  // A person's browser never shows these; headless and driven Chromium often do. Each probe
  // is guarded; the server decides what a name means for the device the user agent claims
  // (plugins/automation.py), so the page only reports what it saw.

  function nativeGetter(descriptor) {
    if (!descriptor || typeof descriptor.get !== 'function') return false;
    return /\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(descriptor.get));
  }

  function pageSignals(uaData) {
    var found = [];
    var ua = navigator.userAgent || '';
    var chromium = !!uaData; // userAgentData: Chromium engines, on secure pages
    attempt(function () {
      var own = Object.getOwnPropertyDescriptor(navigator, 'webdriver');
      var proto = Object.getOwnPropertyDescriptor(Navigator.prototype, 'webdriver');
      if (own || (chromium && !proto) || (proto && !nativeGetter(proto))) {
        found.push('webdriver_tampered');
      }
    });
    attempt(function () {
      if (chromium && /Chrome\//.test(ua) && !/; wv\)/.test(ua) && typeof window.chrome === 'undefined') {
        found.push('chrome_object_missing');
      }
    });
    attempt(function () {
      var brands = (uaData && uaData.brands) || [];
      if (brands.some(function (b) { return /headless/i.test(String(b && b.brand)); })) {
        found.push('headless_brand');
      }
    });
    attempt(function () {
      var ow = window.outerWidth;
      var oh = window.outerHeight;
      if (ow === 0 || oh === 0) {
        found.push('zero_outer_size');
        return;
      }
      // No tabs, no toolbar: the window is only the page. Real desktop windows have UI
      // unless fullscreen (display-mode fullscreen) or an installed app (standalone).
      var bare = ow === window.innerWidth && oh === window.innerHeight;
      var browserMode = !window.matchMedia || window.matchMedia('(display-mode: browser)').matches;
      if (bare && browserMode && !document.fullscreenElement) {
        var scr = window.screen || {};
        found.push(ow >= scr.width && oh >= scr.height ? 'screen_window_without_ui'
          : 'window_without_ui');
      }
    });
    // Old headless Chromium: the notification permission is 'denied' while the Permissions
    // API answers 'prompt'; in a person's browser the two agree.
    var permission = attempt(function () {
      if (!window.Notification || Notification.permission !== 'denied') return undefined;
      return navigator.permissions.query({ name: 'notifications' }).then(function (status) {
        if (status.state === 'prompt') found.push('notification_permission_inconsistent');
      });
    });
    return withTimeout(permission, 500).then(function () { return found; });
  }

  function uaDataBrands(uaData) {
    var brands = (uaData && uaData.brands) || [];
    var out = [];
    for (var i = 0; i < brands.length && out.length < 16; i++) {
      var brand = String(brands[i].brand || '').slice(0, 48);
      var major = parseInt(brands[i].version, 10);
      if (brand && isFinite(major)) out.push(brand + '/' + major);
    }
    return out.length ? out : undefined;
  }

  function languages() {
    var list = navigator.languages && navigator.languages.length
      ? Array.prototype.slice.call(navigator.languages)
      : [navigator.language];
    return list.filter(function (tag) {
      return typeof tag === 'string' && tag !== '' && tag.length <= 35;
    }).slice(0, 32);
  }

  // Returns a Promise of {device, software, network}: the attributes that do not change
  // while the page is open. Every probe is guarded; a missing value is simply left out.
  function gatherStatic() {
    var device = {};
    var software = {};
    var network = {};
    var pending = [];
    var checks = {};

    function later(key, promiseFn) {
      var promise = attempt(promiseFn);
      if (!promise) return;
      pending.push(Promise.resolve(promise).then(
        function (value) { put(device, key, strMax(value, 128)); },
        function () { /* probe failed: field left out */ }));
    }

    var scr = window.screen || {};
    put(device, 'screen_width', attempt(function () { return intIn(scr.width, 0, 100000); }));
    put(device, 'screen_height', attempt(function () { return intIn(scr.height, 0, 100000); }));
    put(device, 'pixel_ratio', attempt(function () { return numIn(window.devicePixelRatio, 0, 64); }));
    put(device, 'color_depth', attempt(function () { return intIn(scr.colorDepth, 0, 64); }));
    put(device, 'hardware_concurrency',
      attempt(function () { return intIn(navigator.hardwareConcurrency, 0, 4096); }));
    put(device, 'device_memory', attempt(function () { return numIn(navigator.deviceMemory, 0, 4096); }));
    put(device, 'touch_points', attempt(function () { return intIn(navigator.maxTouchPoints, 0, 256); }));
    var gl = attempt(webgl) || {};
    put(device, 'webgl_vendor', strMax(gl.vendor, 256));
    put(device, 'webgl_renderer', strMax(gl.renderer, 256));
    later('canvas_hash', canvasHash);
    later('audio_hash', audioHash);
    var fontInfo = attempt(fonts);
    if (fontInfo) {
      put(device, 'fonts_count', intIn(fontInfo.count, 0, 1000000000));
      later('fonts_hash', function () { return fontInfo.hash; });
    }
    put(device, 'plugins_count', attempt(function () {
      return intIn(navigator.plugins ? navigator.plugins.length : undefined, 0, 1000000000);
    }));

    put(software, 'user_agent', attempt(function () { return strMax(navigator.userAgent, 1024); }));
    put(software, 'platform', attempt(function () {
      var uaData = navigator.userAgentData;
      return strMax(navigator.platform || (uaData && uaData.platform), 256);
    }));
    put(software, 'languages', attempt(languages));
    put(software, 'timezone', attempt(function () {
      return strMax(Intl.DateTimeFormat().resolvedOptions().timeZone, 256);
    }));
    put(software, 'timezone_offset_min', attempt(function () {
      return intIn(-new Date().getTimezoneOffset(), -900, 900); // minutes east of UTC
    }));
    put(software, 'do_not_track', attempt(function () {
      return navigator.doNotTrack === '1' || window.doNotTrack === '1';
    }));
    put(software, 'webdriver', attempt(function () { return navigator.webdriver === true; }));
    var uaData = attempt(function () { return navigator.userAgentData; });
    if (uaData) {
      put(software, 'ua_data_brands', attempt(function () { return uaDataBrands(uaData); }));
      put(software, 'ua_data_platform', attempt(function () { return strMax(uaData.platform, 256); }));
      put(software, 'ua_data_mobile', attempt(function () { return boolOf(uaData.mobile); }));
    }
    var lies = attempt(function () { return coherence(gl, fontInfo && fontInfo.found); });
    if (lies) checks = lies;
    var signals = attempt(function () { return pageSignals(uaData); });
    if (signals) {
      pending.push(signals.then(function (found) {
        put(software, 'automation_signals', found || []);
      }, function () { /* probe failed: field left out */ }));
    }

    var connection = attempt(function () { return navigator.connection; });
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

  // -- behaviour: counts per form field, never the content -------------------------------

  var fields = new Map(); // field name -> stats
  var focused = null; // {stats, since}
  var intervals = []; // keystroke intervals, only when the tenant enabled typing_rhythm
  var lastKeyAt = null;
  var typingRhythm = false; // known once the session says so; nothing is recorded before

  var TRACKED_TAGS = { INPUT: 1, TEXTAREA: 1, SELECT: 1 };
  var UNTRACKED_TYPES = { hidden: 1, submit: 1, button: 1, reset: 1, image: 1, file: 1 };

  function fieldName(el) {
    if (!el || !TRACKED_TAGS[el.tagName]) return null;
    if (el.tagName === 'INPUT' && UNTRACKED_TYPES[(el.type || '').toLowerCase()]) return null;
    var name = el.getAttribute('name') || el.id;
    return name ? name.slice(0, 64) : null;
  }

  function statsFor(el) {
    if (optedOut) return null; // the visitor opted out: nothing more is counted
    var name = fieldName(el);
    if (!name) return null;
    var stats = fields.get(name);
    if (!stats) {
      if (fields.size >= MAX_FIELDS) return null;
      stats = { name: name, chars_typed: 0, chars_pasted: 0, corrections: 0, focus_ms: 0 };
      fields.set(name, stats);
    }
    return stats;
  }

  function isPassword(el) {
    return el && el.tagName === 'INPUT' && (el.type || '').toLowerCase() === 'password';
  }

  function textLength(text) { return typeof text === 'string' ? text.length : 0; }

  var handlers = {
    focusin: function (event) {
      var stats = statsFor(event.target);
      if (stats) focused = { stats: stats, since: now() };
    },
    focusout: function (event) {
      var stats = statsFor(event.target);
      if (focused && focused.stats === stats) {
        stats.focus_ms += Math.round(now() - focused.since);
        focused = null;
      }
    },
    keydown: function (event) {
      countKey(event);
      var stats = statsFor(event.target);
      if (!stats || !typingRhythm || event.repeat) return;
      if (isPassword(event.target)) { // no rhythm from passwords, nor across them
        lastKeyAt = null;
        return;
      }
      var at = event.timeStamp || now();
      if (lastKeyAt !== null && intervals.length < MAX_INTERVALS) {
        intervals.push(Math.min(MAX_INTERVAL_MS, Math.max(0, Math.round(at - lastKeyAt))));
      }
      lastKeyAt = at;
    },
    input: function (event) {
      countInput(event);
      var stats = statsFor(event.target);
      var kind = event.inputType;
      if (!stats || typeof kind !== 'string') return;
      // Only the length of what was inserted is used, never the text itself.
      if (kind === 'insertText' || kind === 'insertReplacementText') {
        stats.chars_typed += Math.max(1, textLength(event.data));
      } else if (kind === 'insertLineBreak' || kind === 'insertParagraph') {
        stats.chars_typed += 1;
      } else if (kind.indexOf('delete') === 0 || kind === 'historyUndo') {
        stats.corrections += 1;
      }
    },
    pointerdown: countPointerField,
    compositionend: function (event) { // IME input arrives here, as a whole
      var stats = statsFor(event.target);
      if (stats) stats.chars_typed += textLength(event.data);
    },
    paste: function (event) {
      var stats = statsFor(event.target);
      if (!stats) return;
      var length = attempt(function () { return event.clipboardData.getData('text').length; });
      stats.chars_pasted += isNumber(length) ? length : 0;
    },
    drop: function (event) {
      var stats = statsFor(event.target);
      if (!stats) return;
      var length = attempt(function () { return event.dataTransfer.getData('text').length; });
      stats.chars_pasted += isNumber(length) ? length : 0;
    },
  };

  // -- input realism: how input arrived in each attached form (counts, never content) --
  //
  // A driver's typing is synthetic (`isTrusted` false when a script dispatches it) or
  // machine-regular (the same interval between keys, key after key), and its pointer jumps
  // onto each field without moving there. Per form: keys, untrusted key and input events,
  // intervals between keys and how many equalled the previous one within 1 ms, fields
  // entered by the pointer and the pointer moves that led there.

  var MAX_FORMS = 8;
  var inputByForm = new Map(); // form -> counts
  var pointerMoves = 0; // since the last field was entered by the pointer

  function inputFor(event) {
    var form = event.currentTarget;
    if (optedOut || !form || form.tagName !== 'FORM') return null;
    var stats = inputByForm.get(form);
    if (!stats && inputByForm.size < MAX_FORMS) {
      stats = { keys: 0, untrusted: 0, intervals: 0, flat_intervals: 0, pointer_fields: 0,
        pointer_moves: 0, lastKey: null, lastGap: null };
      inputByForm.set(form, stats);
    }
    return stats || null;
  }

  function countKey(event) {
    var stats = inputFor(event);
    if (!stats || event.repeat) return;
    stats.keys += 1;
    if (event.isTrusted === false) stats.untrusted += 1;
    var at = event.timeStamp;
    if (stats.lastKey !== null && isNumber(at)) {
      var gap = at - stats.lastKey;
      if (gap < 5000) {
        stats.intervals += 1;
        if (stats.lastGap !== null && Math.abs(gap - stats.lastGap) <= 1) stats.flat_intervals += 1;
        stats.lastGap = gap;
      } else {
        stats.lastGap = null;
      }
    }
    stats.lastKey = at;
  }

  function countInput(event) {
    var stats = inputFor(event);
    if (stats && event.isTrusted === false) stats.untrusted += 1;
  }

  function countPointerField(event) {
    var stats = inputFor(event);
    if (!stats || !fieldName(event.target)) return;
    stats.pointer_fields += 1;
    stats.pointer_moves += Math.min(pointerMoves, 1000);
    pointerMoves = 0;
  }

  function inputStats() {
    var out = [];
    inputByForm.forEach(function (stats) {
      if (!stats.keys && !stats.untrusted && !stats.pointer_fields) return;
      out.push({ keys: stats.keys, untrusted: stats.untrusted, intervals: stats.intervals,
        flat_intervals: stats.flat_intervals, pointer_fields: stats.pointer_fields,
        pointer_moves: stats.pointer_moves });
    });
    return out;
  }

  function behaviour() {
    var out = {};
    put(out, 'time_on_page_ms', intIn(now(), 0, 1000000000));
    put(out, 'history_length', attempt(function () { return intIn(history.length, 0, 10000); }));
    // One page: the collector keeps no storage that could count pages across navigations.
    put(out, 'pages_visited', 1);
    put(out, 'referrer_host', attempt(function () {
      return document.referrer ? strMax(new URL(document.referrer).host, 256) : undefined;
    }));
    var list = [];
    fields.forEach(function (stats) {
      var copy = {
        name: stats.name,
        chars_typed: stats.chars_typed,
        chars_pasted: stats.chars_pasted,
        corrections: stats.corrections,
        focus_ms: stats.focus_ms,
      };
      if (focused && focused.stats === stats) copy.focus_ms += Math.round(now() - focused.since);
      list.push(copy);
    });
    if (list.length) out.fields = list;
    if (typingRhythm) out.keystroke_intervals_ms = intervals.slice(0, MAX_INTERVALS);
    return out;
  }

  // -- optional persistent session (IndexedDB; only when the tenant enabled it) -----------

  function persistentSession(sessionId) {
    if (!window.indexedDB || optedOut) return Promise.resolve(undefined);
    var value = hashHex('anonscore-ps:' + sessionId);
    var stored = value.then(function (fresh) {
      return new Promise(function (resolve) {
        if (optedOut) { // opted out while hashing: the database is not created again
          resolve(undefined);
          return;
        }
        var open = indexedDB.open(IDB_NAME, 1);
        open.onupgradeneeded = function () { open.result.createObjectStore('kv'); };
        open.onerror = function () { resolve(undefined); };
        open.onsuccess = function () {
          var db = open.result;
          db.onversionchange = function () { db.close(); }; // never block a deletion
          var result;
          var tx = db.transaction('kv', 'readwrite');
          var store = tx.objectStore('kv');
          var get = store.get('ps');
          get.onsuccess = function () {
            if (typeof get.result === 'string' && /^[0-9a-f]{16,64}$/.test(get.result)) {
              result = get.result;
            } else if (!optedOut) {
              result = fresh;
              store.put(fresh, 'ps');
            }
          };
          tx.oncomplete = function () { db.close(); resolve(result); };
          tx.onerror = tx.onabort = function () { db.close(); resolve(undefined); };
        };
      });
    });
    return withTimeout(stored, IDB_TIMEOUT_MS);
  }

  // -- session and flush --------------------------------------------------------------------

  var session = null; // {id, collect, persistent}
  var optedOut = false; // set by optOut(): nothing more is collected or posted
  var staticAttributes = withTimeout(
    new Promise(function (resolve) { setTimeout(resolve, 0); }).then(gatherStatic), 3000
  ).then(function (value) {
    return value || { device: {}, software: {}, network: {} };
  });

  var ready = new Promise(function (resolve) {
    if (!siteKey) {
      warn('no site key: add data-site-key to the collector script tag');
      resolve(null);
      return;
    }
    var request = postJson('/v1/sessions', { site_key: siteKey }, false).then(function (response) {
      if (!response.ok) throw new Error('session refused, HTTP ' + response.status);
      return response.json();
    });
    withTimeout(request.catch(function (error) {
      warn('no session: ' + error.message);
    }), SESSION_TIMEOUT_MS).then(function (body) {
      if (!body || typeof body.session_id !== 'string') {
        resolve(null);
        return;
      }
      var collect = body.collect || {};
      session = { id: body.session_id, collect: collect, persistent: null };
      typingRhythm = collect.typing_rhythm === true;
      if (collect.persistent_session === true) {
        session.persistent = persistentSession(body.session_id);
      }
      resolve(body.session_id);
    });
  });

  function flush() {
    return ready.then(function (sessionId) {
      if (!sessionId || optedOut) return null;
      return Promise.all([staticAttributes, session.persistent]).then(function (parts) {
        if (optedOut) return null; // opted out while the probes ran: nothing leaves the page
        var software = parts[0].software;
        if (parts[1]) software = Object.assign({}, software, { persistent_session: parts[1] });
        var attributes = {
          device: parts[0].device,
          software: software,
          network: parts[0].network,
          behaviour: behaviour(),
        };
        var checks = Object.assign({}, parts[0].coherence || {});
        var input = inputStats();
        if (input.length) checks.input = input;
        if (Object.keys(checks).length) attributes.coherence = checks;
        return postJson('/v1/collect', {
          session_id: sessionId,
          site_key: siteKey,
          channel: 'web',
          attributes: attributes,
        }, true).then(collectAnswer);
      });
    }).catch(function (error) {
      warn('flush failed: ' + (error && error.message));
      return null;
    });
  }

  function collectAnswer(response) {
    return response.json().catch(function () { return null; }).then(function (body) {
      if (response.ok) return body;
      var error = (body && body.error) || {};
      warn('attributes refused, HTTP ' + response.status + ' ' + (error.code || '') +
        (error.field ? ' at ' + error.field : ''));
      return null;
    });
  }

  // -- the visitor's opt-out ------------------------------------------------------------------

  // Deletes the collector's IndexedDB database. A persistent-session read or write under way
  // finishes first (it is bounded by IDB_TIMEOUT_MS), so it cannot write the value again
  // after the deletion; later ones see `optedOut` and do not start.
  function clearStore() {
    if (!window.indexedDB) return Promise.resolve();
    return Promise.resolve(session && session.persistent).then(function () {
      return new Promise(function (resolve, reject) {
        // onblocked: another tab of this site has the database open; the deletion waits
        var timer = setTimeout(function () {
          reject(new Error('the IndexedDB database ' + IDB_NAME + ' is held open by another ' +
            'tab of this site; it is deleted once that tab closes it'));
        }, IDB_DELETE_TIMEOUT_MS);
        var request = indexedDB.deleteDatabase(IDB_NAME);
        request.onsuccess = function () {
          clearTimeout(timer);
          resolve();
        };
        request.onerror = function () {
          clearTimeout(timer);
          reject(new Error('the browser refused to delete the IndexedDB database ' + IDB_NAME));
        };
      });
    });
  }

  function eraseAtService() {
    return ready.then(function (sessionId) {
      if (!sessionId) {
        throw new Error('no session to erase: the service could not be reached when the ' +
          'page loaded');
      }
      return postJson('/v1/optout', { session_id: sessionId, site_key: siteKey }, true)
        .catch(function (error) {
          throw new Error('the service could not be reached (' + (error && error.message) + ')');
        });
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (response.ok && body && typeof body.erased === 'number') {
          return { erased: body.erased };
        }
        var error = (body && body.error) || {};
        throw new Error('the service refused the opt-out, HTTP ' + response.status +
          (error.code ? ' ' + error.code : '') + (error.message ? ': ' + error.message : ''));
      });
    });
  }

  function optOut() {
    optedOut = true;
    fields.clear(); // what was counted in page memory is dropped too
    inputByForm.clear();
    intervals.length = 0;
    focused = null;
    lastKeyAt = null;
    var inputs = document.querySelectorAll('input[name="' + HIDDEN_INPUT + '"]');
    for (var i = 0; i < inputs.length; i++) inputs[i].value = '';
    var local = clearStore();
    var remote = eraseAtService();
    return Promise.all([remote, local]).then(function (parts) {
      return parts[0];
    }, function (error) {
      throw new Error('anonscore: opt-out incomplete: ' + (error && error.message));
    });
  }

  // -- forms --------------------------------------------------------------------------------

  var attached = new WeakMap(); // form -> {pending, passThrough}

  function writeSessionInput(form) {
    var input = form.querySelector('input[name="' + HIDDEN_INPUT + '"]');
    if (!input) {
      input = document.createElement('input');
      input.type = 'hidden';
      input.name = HIDDEN_INPUT;
      form.appendChild(input);
    }
    input.value = (!optedOut && session && session.id) || '';
  }

  function resubmit(form, state, submitter) {
    state.passThrough = true;
    try {
      if (typeof form.requestSubmit === 'function') {
        // Fires `submit` again (the page's own handlers see it, once, after the flush).
        form.requestSubmit(submitter && submitter.isConnected && submitter.form === form
          ? submitter : undefined);
      } else {
        HTMLFormElement.prototype.submit.call(form);
      }
    } finally {
      state.passThrough = false;
    }
  }

  function onSubmit(event) {
    var form = event.currentTarget;
    var state = attached.get(form);
    if (state.passThrough) return; // our own re-submission: let it through
    if (state.pending) { // a second click while flushing
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    if (event.defaultPrevented) { // the page cancelled it: just send what we have
      writeSessionInput(form);
      flush();
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    state.pending = true;
    var submitter = event.submitter;
    withTimeout(flush(), SUBMIT_WAIT_MS).then(function () {
      // In a task of its own: a flush with nothing to post (no session, opted out) settles
      // in a microtask of this very submit event, and the browser ignores a submission
      // requested while it is still firing one.
      setTimeout(function () {
        state.pending = false;
        writeSessionInput(form);
        resubmit(form, state, submitter);
      }, 0);
    });
  }

  function attach(form) {
    if (!form || form.tagName !== 'FORM' || attached.has(form)) return form;
    attached.set(form, { pending: false, passThrough: false });
    Object.keys(handlers).forEach(function (type) {
      form.addEventListener(type, handlers[type], true);
    });
    form.addEventListener('submit', onSubmit, true); // capture: runs before the page's own
    countMoves();
    var active = document.activeElement;
    if (active && form.contains(active)) handlers.focusin({ target: active }); // autofocus
    writeSessionInput(form);
    ready.then(function () { writeSessionInput(form); });
    return form;
  }

  var movesCounted = false;

  function countMoves() {
    if (movesCounted) return;
    movesCounted = true;
    document.addEventListener('pointermove', function () { pointerMoves += 1; },
      { capture: true, passive: true });
  }

  function attachMarkedForms() {
    var forms = document.querySelectorAll('form[data-anonscore]');
    for (var i = 0; i < forms.length; i++) attach(forms[i]);
  }

  window.anonscore = {
    version: VERSION,
    ready: ready,
    sessionId: function () { return session && !optedOut ? session.id : null; },
    flush: flush,
    attach: attach,
    optOut: optOut,
  };

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', attachMarkedForms);
  } else {
    attachMarkedForms();
  }
})();
