// One collector on a page: it creates the session, gathers the attributes, posts them on
// flush and before an attached form is submitted, and carries out the visitor's opt-out.
// `start` is the only entry; nothing runs until it is called (the script tag build calls it
// at once, a bundled page when it wants).

import { tracker } from './behaviour.js';
import { type StaticAttributes, gatherStatic } from './probes.js';
import { clearStore, persistentSession } from './store.js';
import type { CollectAnswer, Collector, OptOutResult } from './types.js';
import { type Bag, warn, withTimeout } from './util.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers */

export const VERSION = '1';
const SUBMIT_WAIT_MS = 1500; // a broken service never blocks the applicant longer than this
const SESSION_TIMEOUT_MS = 5000;
const HIDDEN_INPUT = 'anonscore_session_id';

/** What `start` needs, resolved (the entries fill in the defaults). */
export interface Settings {
  siteKey: string | null | undefined;
  endpoint: string;
  attachForms: boolean;
  workerUrl: string | null;
}

interface Session { id: string; collect: Bag; persistent: Promise<string | undefined> | null }
interface FormState { pending: boolean; passThrough: boolean }

export function start(settings: Settings): Collector {
  const siteKey = settings.siteKey;
  const endpoint = settings.endpoint.replace(/\/+$/, '');
  const on = { optedOut: false, typingRhythm: false }; // optedOut: nothing more collected or posted
  const track = tracker(on);
  let session: Session | null = null;

  function postJson(path: string, body: unknown, keepalive: boolean): Promise<Response> {
    const init: RequestInit = {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    };
    // keepalive lets a flush finish while the page unloads; browsers cap its body at 64 KiB.
    if (keepalive && (init.body as string).length < 60000) init.keepalive = true;
    return fetch(endpoint + path, init).catch(function (error) {
      if (!init.keepalive) throw error;
      delete init.keepalive; // some engines refuse keepalive with a CORS preflight: retry plain
      return fetch(endpoint + path, init);
    });
  }

  const staticAttributes = withTimeout(
    new Promise(function (resolve) { setTimeout(resolve, 0); }).then(function () {
      return gatherStatic(settings.workerUrl);
    }), 3000
  ).then(function (value): StaticAttributes {
    return value || { device: {}, software: {}, network: {} };
  });

  const ready = new Promise<string | null>(function (resolve) {
    if (!siteKey) {
      warn('no site key: add data-site-key to the collector script tag');
      resolve(null);
      return;
    }
    const request = postJson('/v1/sessions', { site_key: siteKey }, false).then(function (response) {
      if (!response.ok) throw new Error('session refused, HTTP ' + response.status);
      return response.json();
    });
    withTimeout(request.catch(function (error) {
      warn('no session: ' + error.message);
    }), SESSION_TIMEOUT_MS).then(function (body: any) {
      if (!body || typeof body.session_id !== 'string') {
        resolve(null);
        return;
      }
      const collect = body.collect || {};
      session = { id: body.session_id, collect: collect, persistent: null };
      on.typingRhythm = collect.typing_rhythm === true;
      if (collect.persistent_session === true) {
        session.persistent = persistentSession(body.session_id, function () { return on.optedOut; });
      }
      resolve(body.session_id);
    });
  });

  function flush(): Promise<CollectAnswer | null> {
    return ready.then(function (sessionId) {
      if (!sessionId || on.optedOut) return null;
      return Promise.all([staticAttributes, session!.persistent]).then(function (parts) {
        if (on.optedOut) return null; // opted out while the probes ran: nothing leaves the page
        let software = parts[0].software;
        if (parts[1]) software = Object.assign({}, software, { persistent_session: parts[1] });
        const attributes: Bag = {
          device: parts[0].device,
          software: software,
          network: parts[0].network,
          behaviour: track.behaviour(),
        };
        const checks: Bag = Object.assign({}, parts[0].coherence || {});
        const input = track.inputStats();
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

  function collectAnswer(response: Response): Promise<CollectAnswer | null> {
    return response.json().catch(function () { return null; }).then(function (body) {
      if (response.ok) return body;
      const error = (body && body.error) || {};
      warn('attributes refused, HTTP ' + response.status + ' ' + (error.code || '') +
        (error.field ? ' at ' + error.field : ''));
      return null;
    });
  }

  // -- the visitor's opt-out ------------------------------------------------------------

  function eraseAtService(): Promise<OptOutResult> {
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
        const error = (body && body.error) || {};
        throw new Error('the service refused the opt-out, HTTP ' + response.status +
          (error.code ? ' ' + error.code : '') + (error.message ? ': ' + error.message : ''));
      });
    });
  }

  function optOut(): Promise<OptOutResult> {
    on.optedOut = true;
    track.clear(); // what was counted in page memory is dropped too
    const inputs = document.querySelectorAll<HTMLInputElement>('input[name="' + HIDDEN_INPUT + '"]');
    for (let i = 0; i < inputs.length; i++) inputs[i].value = '';
    const local = clearStore(session && session.persistent);
    const remote = eraseAtService();
    return Promise.all([remote, local]).then(function (parts) {
      return parts[0];
    }, function (error) {
      throw new Error('anonscore: opt-out incomplete: ' + (error && error.message));
    });
  }

  // -- forms ----------------------------------------------------------------------------

  const attached = new WeakMap<HTMLFormElement, FormState>();

  function writeSessionInput(form: HTMLFormElement): void {
    let input = form.querySelector<HTMLInputElement>('input[name="' + HIDDEN_INPUT + '"]');
    if (!input) {
      input = document.createElement('input');
      input.type = 'hidden';
      input.name = HIDDEN_INPUT;
      form.appendChild(input);
    }
    input.value = (!on.optedOut && session && session.id) || '';
  }

  function resubmit(form: HTMLFormElement, state: FormState, submitter: any): void {
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

  function onSubmit(event: SubmitEvent): void {
    const form = event.currentTarget as HTMLFormElement;
    const state = attached.get(form)!;
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
    const submitter = event.submitter;
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

  function attach<F extends HTMLFormElement>(form: F): F {
    if (!form || form.tagName !== 'FORM' || attached.has(form)) return form;
    attached.set(form, { pending: false, passThrough: false });
    Object.keys(track.handlers).forEach(function (type) {
      form.addEventListener(type, track.handlers[type], true);
    });
    form.addEventListener('submit', onSubmit, true); // capture: runs before the page's own
    track.countMoves();
    const active = document.activeElement;
    if (active && form.contains(active)) track.handlers.focusin({ target: active }); // autofocus
    writeSessionInput(form);
    ready.then(function () { writeSessionInput(form); });
    return form;
  }

  function attachMarkedForms(): void {
    const forms = document.querySelectorAll<HTMLFormElement>('form[data-anonscore]');
    for (let i = 0; i < forms.length; i++) attach(forms[i]);
  }

  const api: Collector = {
    version: VERSION,
    ready: ready,
    sessionId: function () { return session && !on.optedOut ? session.id : null; },
    flush: flush,
    attach: attach,
    optOut: optOut,
  };
  window.anonscore = api;

  if (settings.attachForms) {
    if (document.readyState === 'loading') {
      document.addEventListener('DOMContentLoaded', attachMarkedForms);
    } else {
      attachMarkedForms();
    }
  }
  return api;
}
