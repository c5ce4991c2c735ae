// Importing the module build during server-side rendering: no browser global may be read at
// import time (collection starts only when `start` is called), and `start` on the server
// says where to call it instead of failing on a missing `window`.
import assert from 'node:assert/strict';
import { test } from 'node:test';

const BROWSER_GLOBALS = [
  'window', 'document', 'navigator', 'location', 'self', 'screen', 'indexedDB', 'Worker',
  'fetch', 'performance', 'crypto', 'history', 'Intl', 'setTimeout',
];

test('importing touches no browser global', async () => {
  const touched = [];
  const saved = {};
  for (const name of BROWSER_GLOBALS) {
    saved[name] = Object.getOwnPropertyDescriptor(globalThis, name);
    Object.defineProperty(globalThis, name, {
      configurable: true,
      get() {
        touched.push(name);
        return saved[name] && ('value' in saved[name] ? saved[name].value : saved[name].get.call(globalThis));
      },
    });
  }
  let module;
  try {
    module = await import('../dist/index.js?ssr-traps');
  } finally {
    for (const name of BROWSER_GLOBALS) {
      if (saved[name]) Object.defineProperty(globalThis, name, saved[name]);
      else delete globalThis[name];
    }
  }
  assert.deepEqual(touched, []);
  assert.equal(typeof module.start, 'function');
  assert.equal(module.VERSION, '1');
});

test('start on the server throws a clear error', async () => {
  const { start } = await import('../dist/index.js');
  assert.equal(typeof window, 'undefined');
  assert.throws(() => start({ siteKey: 'your_site_key', endpoint: 'https://risk.example' }),
    /start\(\) runs in a browser page; call it on the client side/);
});

test('the package exports resolve by name (what a bundler or SSR framework imports)', async () => {
  const byName = await import('@anonscore/collector');
  assert.equal(typeof byName.start, 'function');
});
