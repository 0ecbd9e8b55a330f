import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../../helpers/cli.js';
import { stateContract } from './contract.js';

// The SQLite store, the default: a new state directory for each test.
stateContract('SQLite (--state DIR)', async () => {
  const dir = tempDir();
  return { spec: join(dir, 'state'), dispose: () => rm(dir, { recursive: true, force: true }) };
});
