// The shipped types (dist/types, made by `npm run build`) as a page's TypeScript sees them:
// examples/usage.ts imports the package by its name and must type-check, and its
// @ts-expect-error lines must be errors (they are not if the types turn loose, e.g. `any`).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

function check(project) {
  return spawnSync(process.execPath, [tsc, '--noEmit', '-p', project], { cwd: root, encoding: 'utf8' });
}

test('the build ships types', () => {
  assert.ok(existsSync(join(root, 'dist', 'types', 'index.d.ts')), 'run `npm run build` first');
});

test('an example using the types type-checks with tsc --noEmit', () => {
  const run = check(join(root, 'examples'));
  assert.equal(run.status, 0, run.stdout + run.stderr);
});
