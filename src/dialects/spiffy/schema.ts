import { z } from 'zod';

/**
 * Wire shapes of the Spiffy Stores customer API (seed document and SPEC
 * section 8). Every answer is validated with these before use; unknown
 * properties are kept (loose objects) so that a newer API version does not
 * stop a run, and only the properties custsync reads are typed (`id` is the
 * one it cannot do without). Text properties may be `null` on a real store.
 */

const text = z.string().nullish();
/**
 * Money and counts: the document shows `total_spent` both as `"465.30"` and
 * as `13908.63`. A string that is not a number reads as absent (the mapping's
 * `toNumber`), rather than stopping the run.
 */
const numeric = z.union([z.number(), z.string()]).nullish();
/** A numeric id, also when a store sends it as a string of digits. */
const numericId = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);

export const SpiffyAddressSchema = z.looseObject({
  id: numericId.nullish(),
  title: text,
  first_name: text,
  last_name: text,
  name: text,
  company: text,
  address1: text,
  address2: text,
  city: text,
  province: text,
  province_code: text,
  country: text,
  country_code: text,
  zip: text,
  phone: text,
  default: z.boolean().nullish(),
});
export type SpiffyAddress = z.infer<typeof SpiffyAddressSchema>;

export const spiffyStates = ['guest', 'disabled', 'invited', 'enabled', 'declined'] as const;

export const SpiffyCustomerSchema = z.looseObject({
  id: numericId,
  title: text,
  first_name: text,
  last_name: text,
  company: text,
  email: text,
  accepts_marketing: z.boolean().nullish(),
  note: text,
  orders_count: numeric,
  state: text,
  total_spent: numeric,
  created_at: text,
  updated_at: text,
  wholesale: z.boolean().nullish(),
  credit: numeric,
  accounting_id: text,
  pos_id: text,
  tags: text,
  default_address: SpiffyAddressSchema.nullish(),
  addresses: z.array(SpiffyAddressSchema).nullish(),
});
export type SpiffyCustomer = z.infer<typeof SpiffyCustomerSchema>;

export const ListAnswerSchema = z.object({ customers: z.array(SpiffyCustomerSchema) });
export const OneAnswerSchema = z.object({ customer: SpiffyCustomerSchema });
export const CountAnswerSchema = z.object({ count: z.coerce.number().int().nonnegative() });

/** `422 {"errors":{"email":["has already been taken"]}}`, or a plain message (`401`, `404`). */
export const ErrorAnswerSchema = z.object({
  errors: z.union([z.string(), z.record(z.string(), z.union([z.array(z.string()), z.string()]))]),
});

/** `X-Ratelimit: {"name":"API","period":300,"limit":500,"remaining":N,"until":ISO}` */
export const RateLimitHeaderSchema = z.object({
  name: z.string().optional(),
  period: z.number().optional(),
  limit: z.number(),
  remaining: z.number(),
  until: z.string().optional(),
});
export type RateLimitHeader = z.infer<typeof RateLimitHeaderSchema>;

/** What custsync sends in `{"customer":{…}}` for a create or an update. `state` is never among it. */
export interface SpiffyCustomerPayload {
  id?: number;
  title?: string;
  first_name?: string;
  last_name?: string;
  company?: string;
  email?: string;
  accepts_marketing?: boolean;
  note?: string;
  tags?: string;
  wholesale?: boolean;
  credit?: number;
  accounting_id?: string;
  pos_id?: string;
  addresses: SpiffyAddressPayload[];
}

export interface SpiffyAddressPayload {
  first_name?: string;
  last_name?: string;
  name?: string;
  company?: string;
  address1?: string;
  address2?: string;
  city?: string;
  province?: string;
  province_code?: string;
  country?: string;
  country_code?: string;
  zip?: string;
  phone?: string;
  default: boolean;
}
