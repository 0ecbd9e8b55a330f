// Bundles the compiled CLI (dist/cli/main.js, from tsc) into dist/bundle/, which bin/custsync.js runs.
// Why: every run pays for loading its modules. Unbundled, a command loads some 250 files (custsync's
// own, zod's, commander's, csv-parse's), and resolving and reading them was about a quarter of its
// start-up (`pull --help` 0.41 s → 0.31 s bundled). Commands stay lazily loaded (one chunk each).
// Left out, loaded from node_modules as before: native and optional packages, the UI (ink, React),
// the emulators' generator (faker), and what src/ loads itself through createRequire on first use
// (undici, conf, fast-xml-parser).
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const outdir = fileURLToPath(new URL('../dist/bundle/', import.meta.url));
await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: [fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3', 'pg', 'ink', 'react', '@faker-js/faker'],
  // CommonJS packages in the bundle require Node's own modules: give the ES module a require.
  banner: { js: "import { createRequire as createRequireOfBundle } from 'node:module'; const require = createRequireOfBundle(import.meta.url);" },
  logLevel: 'warning',
});
