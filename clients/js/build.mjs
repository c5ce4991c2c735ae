// Builds @anonscore/collector with the pinned esbuild and TypeScript (package-lock.json):
//
//   node build.mjs [OUT_DIR] [--engine]
//
// OUT_DIR (default dist/) gets collector.js (the script-tag build: IIFE, minified, ES2018),
// index.js (the module build: ESM, readable, ES2018; a page's bundler minifies it) and
// types/ (the .d.ts files from tsc). --engine also writes the IIFE to
// engine/static/collector.js, the file the service serves at /collector.js (committed, so
// that running the service needs no Node; tests/clients/test_js_collector.py rebuilds it and
// fails when the committed file differs).
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const out = resolve(args.find((a) => !a.startsWith('--')) ?? join(here, 'dist'));
const pkg = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
const banner = `/*! ${pkg.name} ${pkg.version} (anonscore web collector) | ${pkg.license} | source: clients/js, docs/collector.md */`;
const common = {
  banner: { js: banner },
  absWorkingDir: here,
  bundle: true,
  platform: 'browser',
  target: 'es2018',
  legalComments: 'inline',
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: ['src/iife.ts'],
  format: 'iife',
  minify: true,
  outfile: join(out, 'collector.js'),
});
await build({
  ...common,
  entryPoints: ['src/index.ts'],
  format: 'esm',
  outfile: join(out, 'index.js'),
});
const tsc = join(here, 'node_modules', 'typescript', 'bin', 'tsc');
execFileSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.json'), '--outDir', join(out, 'types')], {
  stdio: 'inherit',
});
if (args.includes('--engine')) {
  copyFileSync(join(out, 'collector.js'), join(here, '..', '..', 'engine', 'static', 'collector.js'));
}
