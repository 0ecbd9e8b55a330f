import type { Pair } from './backend.js';

/**
 * One migration shared by several workers (`migrate --workers`, processes
 * or hosts against one PostgreSQL state): the read is cut into parts, the
 * first worker to arrive plans them and stores them, and every worker
 * claims them one at a time until none is left.
 *
 * A claim is a row lock held by an open transaction on a connection of its
 * own (`SELECT … FOR UPDATE SKIP LOCKED`), committed with the part marked
 * done only once every record of the part is confirmed (or settled: found
 * unchanged, rejected). A worker that dies loses its connection, the server
 * rolls its transaction back, and the part is free for the next worker that
 * looks: nobody has to decide that a worker is dead.
 */
export interface PlanRequest {
  pair: Pair;
  /** What the workers read (the query as JSON): a worker that reads something else cannot join the plan. */
  query: string;
  /** Who plans, for the table (`pid@host`). */
  worker: string;
  /** Cuts the read into parts (JSON descriptors and a label for logs); called by the first worker only, while the others wait. */
  plan(): Promise<Array<{ descriptor: string; label: string }>>;
}

export interface JoinedPlan {
  id: number;
  /** True for the worker that made the plan. */
  planned: boolean;
  parts: number;
  /** Parts not done yet when this worker joined. */
  left: number;
}

export interface ClaimedPart {
  seq: number;
  descriptor: string;
  label: string;
  /** Marks the part done and ends the claim (one commit). Call it only when every record of the part is settled. */
  done(): Promise<void>;
}

export interface WorkQueue {
  /**
   * Joins the unfinished plan of the pair, or makes one (`request.plan`) when
   * there is none; a plan whose parts are all done is closed first. Refuses
   * (exit 2) a plan made for another query.
   */
  join(request: PlanRequest): Promise<JoinedPlan>;
  /**
   * The parts of a plan as this worker claims them, one at a time: call
   * `done` of one before asking for the next. While the parts left are held
   * by other workers it waits and looks again, so that a part a dead worker
   * leaves is taken over; it ends when every part is done (and closes the
   * plan). Returning early ends a claim not done: its part is free again.
   */
  claims(planId: number, worker: { runId: number; name: string }): AsyncIterable<ClaimedPart>;
}
