// @anonscore/collector as a module (the ESM build). Importing it does nothing: no browser
// global is read until `start` is called, so a page rendered on the server can import it.
//
//   import { start } from '@anonscore/collector';
//   const anonscore = start({ siteKey: 'SITE_KEY', endpoint: 'https://risk.example' });
//   await anonscore.ready;  // the session id, or null
//
// One collector per page: a second `start` (or a script tag's collector already running)
// answers the collector already running.

import { VERSION, start as run } from './collector.js';
import type { Collector, CollectorOptions } from './types.js';

export type { CollectAnswer, Collector, CollectorOptions, OptOutResult, ScriptConfig } from './types.js';
export { VERSION };

/** Starts the collector on this page (or answers the one already running). Call it in the
 * browser only: during server-side rendering it throws. */
export function start(options: CollectorOptions): Collector {
  if (typeof window === 'undefined' || typeof document === 'undefined') {
    throw new Error('anonscore: start() runs in a browser page; call it on the client side ' +
      '(e.g. in an effect), not while rendering on the server');
  }
  const running = window.anonscore;
  if (running && running.version) return running; // the first collector is in charge
  const endpoint = String(options.endpoint || location.origin).replace(/\/+$/, '');
  let workerUrl = options.workerUrl;
  if (workerUrl === undefined) workerUrl = endpoint + '/collector.js';
  return run({
    siteKey: options.siteKey,
    endpoint: endpoint,
    attachForms: options.attachForms !== false,
    workerUrl: workerUrl,
  });
}
