import { z } from 'zod';

/**
 * The `--mapping FILE` format (docs/mapping.md): a list of rules applied in
 * order to each canonical record between source and target.
 */
const field = z.string().min(1, 'expected a field name');
const scalar = z.union([z.string(), z.number(), z.boolean()]);

export const RuleSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('rename'), from: field, to: field }),
  z.strictObject({ op: z.literal('set'), field, value: z.union([scalar, z.array(z.string())]) }),
  z.strictObject({ op: z.literal('drop'), field }),
  z.strictObject({
    op: z.literal('table'),
    field,
    table: z.record(z.string(), z.union([z.string(), z.null()])),
    /** What to do with a value the table does not list: keep it (default), drop it, or use this value. */
    otherwise: z.union([z.literal('keep'), z.literal('drop'), z.strictObject({ value: z.string() })]).optional(),
  }),
  z.strictObject({ op: z.literal('template'), field, template: z.string() }),
  z.strictObject({
    op: z.literal('addresses'),
    /** Which source address kind becomes the target's billing addresses (`none`: no billing address). */
    billing: z.enum(['billing', 'shipping', 'none']).optional(),
    shipping: z.enum(['billing', 'shipping', 'none']).optional(),
  }),
]);
export type Rule = z.infer<typeof RuleSchema>;

export const MappingFileSchema = z.strictObject({
  $schema: z.string().optional(),
  description: z.string().optional(),
  rules: z.array(RuleSchema),
});
export type MappingFile = z.infer<typeof MappingFileSchema>;
