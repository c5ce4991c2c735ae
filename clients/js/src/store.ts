// The optional persistent session (IndexedDB database `anonscore`, one value; only when the
// tenant enabled it) and its deletion on the visitor's opt-out.

import { hashHex, withTimeout } from './util.js';

const IDB_TIMEOUT_MS = 1000;
export const IDB_NAME = 'anonscore';
const IDB_DELETE_TIMEOUT_MS = 3000; // another tab of the site may hold the database open

/** The stored persistent session value (a new one stored when none), or undefined. `stopped`
 * says whether the visitor opted out meanwhile: then the database is not created again. */
export function persistentSession(sessionId: string,
  stopped: () => boolean): Promise<string | undefined> {
  if (!window.indexedDB || stopped()) return Promise.resolve(undefined);
  const value = hashHex('anonscore-ps:' + sessionId);
  const stored = value.then(function (fresh) {
    return new Promise<string | undefined>(function (resolve) {
      if (stopped()) { // opted out while hashing: the database is not created again
        resolve(undefined);
        return;
      }
      const open = indexedDB.open(IDB_NAME, 1);
      open.onupgradeneeded = function () { open.result.createObjectStore('kv'); };
      open.onerror = function () { resolve(undefined); };
      open.onsuccess = function () {
        const db = open.result;
        db.onversionchange = function () { db.close(); }; // never block a deletion
        let result: string | undefined;
        const tx = db.transaction('kv', 'readwrite');
        const store = tx.objectStore('kv');
        const get = store.get('ps');
        get.onsuccess = function () {
          if (typeof get.result === 'string' && /^[0-9a-f]{16,64}$/.test(get.result)) {
            result = get.result;
          } else if (!stopped()) {
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

// Deletes the collector's IndexedDB database. A persistent-session read or write under way
// (`pending`) finishes first (it is bounded by IDB_TIMEOUT_MS), so it cannot write the value
// again after the deletion; later ones see the opt-out and do not start.
export function clearStore(pending: Promise<unknown> | null | undefined): Promise<void> {
  if (!window.indexedDB) return Promise.resolve();
  return Promise.resolve(pending).then(function () {
    return new Promise<void>(function (resolve, reject) {
      // onblocked: another tab of this site has the database open; the deletion waits
      const timer = setTimeout(function () {
        reject(new Error('the IndexedDB database ' + IDB_NAME + ' is held open by another ' +
          'tab of this site; it is deleted once that tab closes it'));
      }, IDB_DELETE_TIMEOUT_MS);
      const request = indexedDB.deleteDatabase(IDB_NAME);
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
