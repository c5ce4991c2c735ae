// The package's public types: the options of `start` and the collector it returns (the same
// object the script tag publishes as `window.anonscore`).

/** Options of `start()`. */
export interface CollectorOptions {
  /** The tenant's public site key. */
  siteKey: string;
  /** Base URL of the service (or of the lender's first-party path, e.g. `/a7`). The script
   * tag's default is the directory it was loaded from; a bundled module has no such
   * directory, so it is given here (without it: the page's own origin). */
  endpoint?: string;
  /** Attach the forms marked `data-anonscore` once the document is parsed (default true). */
  attachForms?: boolean;
  /** The script the worker probe starts as a dedicated worker: the IIFE build, which the
   * service serves at `<endpoint>/collector.js` (the default). It is started only from the
   * page's own origin; null: no worker probe. */
  workerUrl?: string | null;
}

/** The service's answer to a collect (`POST /v1/collect`, 202). */
export interface CollectAnswer {
  accepted: number;
  dropped: string[];
}

/** The service's answer to the visitor's opt-out (`POST /v1/optout`). */
export interface OptOutResult {
  /** Sessions erased (0 when a second call finds nothing left). */
  erased: number;
}

/** A running collector (`window.anonscore` in the page). */
export interface Collector {
  readonly version: string;
  /** The session id once the session exists; null if the service could not be reached (the
   * collector never breaks the page). */
  readonly ready: Promise<string | null>;
  /** The session id, or null (no session yet, none, or opted out). */
  sessionId(): string | null;
  /** Posts the current attributes; the service's answer, or null on failure. Never rejects. */
  flush(): Promise<CollectAnswer | null>;
  /** Tracks the form's fields; on submit, flushes (1.5 s at most), writes the session id into
   * a hidden input `anonscore_session_id`, then lets the submission go on. */
  attach<F extends HTMLFormElement>(form: F): F;
  /** The visitor's opt-out: stops collecting at once, deletes the IndexedDB database and asks
   * the service to erase the session. Rejects with an Error saying what failed. */
  optOut(): Promise<OptOutResult>;
}

/** `window.anonscoreConfig`, read by the script tag build (it wins over the tag). */
export interface ScriptConfig {
  siteKey?: string;
  endpoint?: string;
}

declare global {
  interface Window {
    anonscore?: Collector;
    anonscoreConfig?: ScriptConfig;
  }
}
