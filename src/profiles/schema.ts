import { z } from 'zod';

/** Profile shapes (SPEC section 2). Fields that hold secrets are listed in {@link secretFields}. */

export const AuthSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({ type: z.literal('bearer'), token: z.string().min(1) }),
  z.strictObject({ type: z.literal('basic'), username: z.string().min(1), password: z.string() }),
  z.strictObject({ type: z.literal('header'), name: z.string().min(1), value: z.string().min(1) }),
  z.strictObject({
    type: z.literal('oauth2'),
    tokenUrl: z.string().min(1),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    scope: z.string().optional(),
  }),
]);
export type Auth = z.infer<typeof AuthSchema>;

/** The secret-bearing field of each auth kind: masked by `profiles show`, registered for redaction. */
export const secretFields = ['token', 'password', 'value', 'clientSecret'] as const;

export const RateLimitSchema = z.strictObject({
  perSecond: z.number().positive(),
  burst: z.number().int().positive().optional(),
});
export type RateLimit = z.infer<typeof RateLimitSchema>;

export const ProfileSchema = z.strictObject({
  dialect: z.string().min(1),
  /** Remote dialects: the API root. `https://` unless the host is loopback. */
  baseUrl: z.string().optional(),
  /** File dialects: the file. */
  path: z.string().optional(),
  auth: AuthSchema.optional(),
  pageSize: z.number().int().positive().optional(),
  batchSize: z.number().int().positive().optional(),
  concurrency: z.number().int().positive().optional(),
  rateLimit: RateLimitSchema.optional(),
  timeoutMs: z.number().int().positive().optional(),
  retries: z.number().int().min(0).optional(),
  /** Propeller: the `source` written beside `sourceId`. */
  source: z.string().optional(),
  description: z.string().optional(),
});
export type Profile = z.infer<typeof ProfileSchema>;

export const ProfilesFileSchema = z.strictObject({
  profiles: z.record(z.string(), z.unknown()),
});
