#!/usr/bin/env node
// Thin launcher: `npm run build` (run by `npm install` through `prepare`) compiles the CLI to dist/
// and bundles it into dist/bundle/ (scripts/bundle.mjs), which starts faster than the loose modules.
import { main } from '../dist/bundle/main.js';

process.exitCode = await main(process.argv);
