/* The script-tag build of @anonscore/collector (engine/static/collector.js is its output; do
 * not edit that file: edit this source and run `npm run build` in clients/js).
 *
 *   <script src="https://risk.example/collector.js" data-site-key="SITE_KEY"></script>
 *   <form data-anonscore> ... </form>      (forms with data-anonscore are attached on load)
 *
 * It never reads what a visitor types (fields are counted, not read); no cookie, no
 * localStorage. Configuration: data-site-key (required), data-endpoint (default: the
 * directory this script was loaded from), or window.anonscoreConfig = {siteKey, endpoint}
 * set before the script. API: window.anonscore (ready, sessionId, flush, attach, optOut).
 * Docs: docs/collector.md.
 */

// The script-tag build (IIFE): configured from its own tag, started at once. Loaded as its
// own dedicated worker (see coherence.ts `workerFacts`), it answers the worker probe instead.

import { answerAsWorker } from './coherence.js';
import { start } from './collector.js';

function scriptTag(): void {
  if (window.anonscore && window.anonscore.version) {
    return; // included twice: the first copy is in charge
  }
  // currentScript is null when a tag manager evaluates the script: then look for the tag.
  const script = (document.currentScript ||
    document.querySelector('script[data-site-key][src*="collector.js"]')) as HTMLScriptElement | null;
  const overrides = window.anonscoreConfig || {};

  function scriptData(name: string): string | null {
    return script && script.getAttribute ? script.getAttribute(name) : null;
  }

  // The default endpoint is the directory this script was loaded from (its URL minus the
  // file name): loaded as /a7/collector.js through the lender's own proxy, the collector
  // posts to /a7/v1/...; loaded as /collector.js from our host, to that host's root.
  function defaultEndpoint(): string {
    try {
      if (script && script.src) {
        const url = new URL(script.src, location.href);
        return url.origin + url.pathname.replace(/\/[^/]*$/, '');
      }
    } catch (e) { /* fall through */ }
    return location.origin;
  }

  start({
    siteKey: overrides.siteKey || scriptData('data-site-key'),
    endpoint: String(overrides.endpoint || scriptData('data-endpoint') || defaultEndpoint()),
    attachForms: true,
    workerUrl: script && script.src ? script.src : null,
  });
}

if (typeof window === 'undefined') {
  if (typeof self !== 'undefined' && typeof postMessage === 'function') answerAsWorker(self);
} else {
  scriptTag();
}
