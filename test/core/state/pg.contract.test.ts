import { createTestDatabase, describePg } from '../../helpers/pg.js';
import { stateContract } from './contract.js';

// The PostgreSQL store: a database of its own for each test, dropped after.
describePg('PostgreSQL state', () => {
  stateContract('PostgreSQL (--state postgres://…)', async () => {
    const database = await createTestDatabase();
    return { spec: database.url, dispose: () => database.drop() };
  });
});
