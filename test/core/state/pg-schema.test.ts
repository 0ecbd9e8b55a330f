import { afterEach, beforeEach, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import { PgConnection } from '../../../src/core/state/pg-connection.js';
import { latestVersion, migrateSchema, migrations, schemaVersion } from '../../../src/core/state/pg-schema.js';
import { parseStateUrl } from '../../../src/core/state/pg-url.js';
import { createTestDatabase, describePg, queryDatabase, type TestDatabase } from '../../helpers/pg.js';

describePg('the PostgreSQL state schema', () => {
  let database: TestDatabase;
  const open: PgConnection[] = [];
  const connect = async () => {
    const connection = await PgConnection.open(parseStateUrl(database.url));
    open.push(connection);
    return connection;
  };
  const migrate = (connection: PgConnection) => connection.run((client) => migrateSchema(client, 'custsync', database.url));

  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    for (const connection of open.splice(0)) await connection.close();
    await database.drop();
  });

  it('is created by custsync in its own schema, each migration numbered and recorded once', async () => {
    const connection = await connect();
    expect(await connection.run((client) => schemaVersion(client, 'custsync'))).toBeUndefined();
    await migrate(connection);
    await migrate(connection);
    const applied = await queryDatabase<{ version: number; description: string }>(database.url, 'SELECT version, description FROM custsync.schema_migrations ORDER BY version');
    expect(applied.map((row) => row.version)).toEqual(migrations.map((m) => m.version));
    expect(applied.at(-1)!.version).toBe(latestVersion);
    const tables = await queryDatabase<{ table_name: string }>(database.url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'custsync' ORDER BY table_name");
    expect(tables.map((row) => row.table_name)).toEqual(
      expect.arrayContaining(['bookmarks', 'checkpoints', 'crosswalk', 'locks', 'notes_shown', 'pending', 'run_emails', 'run_meta', 'run_records', 'runs', 'snapshot_records', 'snapshots']),
    );
    // Nothing in the database's own public schema.
    expect(await queryDatabase(database.url, "SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'")).toEqual([]);
  });

  it('two processes creating it at once apply each migration once', async () => {
    const [a, b, c] = await Promise.all([connect(), connect(), connect()]);
    await Promise.all([migrate(a), migrate(b), migrate(c)]);
    const applied = await queryDatabase<{ n: number }>(database.url, 'SELECT count(*)::int AS n FROM custsync.schema_migrations');
    expect(applied[0].n).toBe(migrations.length);
  });

  it('refuses a schema newer than it knows, with exit 2 naming both versions, and changes nothing', async () => {
    const connection = await connect();
    await migrate(connection);
    await queryDatabase(database.url, "INSERT INTO custsync.schema_migrations (version, description) VALUES ($1, 'from the future')", [latestVersion + 1]);
    const error = await migrate(connection).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(`the state in ${database.url} has schema version ${latestVersion + 1}; this custsync knows versions up to ${latestVersion}`);
    expect((error as UserError).hint).toMatch(/upgrade custsync/);
  });
});
