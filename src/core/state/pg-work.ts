import { setTimeout as sleep } from 'node:timers/promises';
import { BugError, UserError } from '../errors.js';
import { PgConnection, sessionSettings } from './pg-connection.js';
import { planLockClass } from './pg-schema.js';
import { now } from './rows.js';
import type { ClaimedPart, JoinedPlan, PlanRequest, WorkQueue } from './work.js';

/** How often a worker whose remaining parts are all held by others looks again (a dead worker's part is free at once). */
const pollMs = 200;

/**
 * Work plans in PostgreSQL (`./work.ts`): `work_plans` and
 * `work_partitions` of `./pg-schema.ts` (version 2). Plans are made under a
 * transaction-level advisory lock of the pair, so two workers arriving at
 * once make one plan; parts are claimed on connections of their own, each
 * holding its row lock in an open transaction until the part is done.
 */
export class PgWorkQueue implements WorkQueue {
  constructor(private readonly db: PgConnection) {}

  async join(request: PlanRequest): Promise<JoinedPlan> {
    const { source, target } = request.pair;
    return this.db.transaction(async (client) => {
      // Serialises the workers of one pair; the first one plans while the others wait here.
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [planLockClass, `${source} → ${target}`]);
      const open = await client.query<{ id: number; query: string; parts: number; left: number }>(
        `SELECT p.id, p.query, count(w.seq)::int AS parts, count(w.seq) FILTER (WHERE w.done_at IS NULL)::int AS left
         FROM work_plans p LEFT JOIN work_partitions w ON w.plan_id = p.id
         WHERE p.source = $1 AND p.target = $2 AND p.finished_at IS NULL GROUP BY p.id ORDER BY p.id DESC LIMIT 1`,
        [source, target],
      );
      const current = open.rows[0];
      if (current && current.left > 0) {
        if (current.query !== request.query) {
          throw new UserError(
            `migrate --workers: the workers of plan #${current.id} read ${describe(current.query)}, and this one was given ${describe(request.query)}`,
            'give every worker of a migration the same --where and --since; a new plan starts once every part of this one is done',
          );
        }
        return { id: current.id, planned: false, parts: current.parts, left: current.left };
      }
      // Every part done, the last worker gone before it closed the plan: this worker starts a new migration.
      if (current) await client.query('UPDATE work_plans SET finished_at = $2 WHERE id = $1', [current.id, now()]);
      const parts = await request.plan();
      const made = await client.query<{ id: number }>(
        'INSERT INTO work_plans (source, target, query, planned_at, planned_by) VALUES ($1, $2, $3, $4, $5) RETURNING id',
        [source, target, request.query, now(), request.worker],
      );
      const id = made.rows[0].id;
      await client.query(
        'INSERT INTO work_partitions (plan_id, seq, descriptor, label) SELECT $1, seq, descriptor, label FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS t (descriptor, label, seq)',
        [id, parts.map((part) => part.descriptor), parts.map((part) => part.label)],
      );
      return { id, planned: true, parts: parts.length, left: parts.length };
    });
  }

  async *claims(planId: number, worker: { runId: number; name: string }): AsyncGenerator<ClaimedPart> {
    // One connection for the claims: a claim is done before the next is asked for.
    const conn = await PgConnection.open(this.db.location);
    try {
      // Keepalives as on the state's own session: a claim of a host that died is free within a minute.
      await conn.query(sessionSettings(this.db.location.schema));
      for (;;) {
        await conn.query('BEGIN');
        const { rows } = await conn.query<{ seq: number; descriptor: string; label: string }>(
          'SELECT seq, descriptor, label FROM work_partitions WHERE plan_id = $1 AND done_at IS NULL ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED',
          [planId],
        );
        const row = rows[0];
        if (row) {
          let finished = false;
          yield {
            ...row,
            done: async () => {
              if (finished) return;
              finished = true;
              await conn.query('UPDATE work_partitions SET done_at = $3, done_run = $4, done_by = $5 WHERE plan_id = $1 AND seq = $2', [planId, row.seq, now(), worker.runId, worker.name]);
              await conn.query('COMMIT');
            },
          };
          if (!finished) throw new BugError(`work part ${row.seq} of plan #${planId} was not done before the next was claimed`);
          continue;
        }
        await conn.query('ROLLBACK');
        const left = await conn.query<{ n: number }>('SELECT count(*)::int AS n FROM work_partitions WHERE plan_id = $1 AND done_at IS NULL', [planId]);
        if (left.rows[0].n === 0) {
          await conn.query('UPDATE work_plans SET finished_at = $2 WHERE id = $1 AND finished_at IS NULL', [planId, now()]);
          return;
        }
        // Held by other workers: wait, and look again, so that a part a dead worker leaves is taken over.
        await sleep(pollMs);
      }
    } finally {
      // A claim not done rolls back with the connection: its part is free for the other workers.
      await conn.close();
    }
  }
}

function describe(query: string): string {
  return query === '{"where":[]}' ? 'every customer' : query;
}
