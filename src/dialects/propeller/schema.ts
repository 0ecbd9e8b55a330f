import { z } from 'zod';

/**
 * Wire shapes of Propeller Commerce REST v2 (SPEC section 8 `propeller`).
 * Answers are parsed loosely (unknown fields pass) but every field custsync
 * reads is typed, so a changed answer is a protocol error, not a wrong record.
 */

const text = z.string().nullish();
/** `YES`/`NO` flags come as "Y"/"N"; some endpoints answer booleans. */
const yesNo = z.union([z.enum(['Y', 'N']), z.boolean()]).nullish();

/** `parent`: the parent usergroup, by `id` or by `sourceId` + `source`. */
export const ParentSchema = z.looseObject({
  id: z.union([z.number(), z.string()]).optional(),
  sourceId: z.string().optional(),
  source: z.string().optional(),
});

export const WireCustomerSchema = z.looseObject({
  id: z.number().int(),
  debtorId: z.union([z.number(), z.string()]).nullish(),
  firstName: text,
  middleName: text,
  lastName: text,
  abbreviation: text,
  title: text,
  dateOfBirth: text,
  gender: text,
  login: text,
  phone: text,
  email: text,
  ssn: z.union([z.number(), z.string()]).nullish(),
  parent: ParentSchema.nullish(),
  pricelistAmount: text,
  pricelistPercentage: text,
  primaryLanguage: text,
  sourceId: text,
  source: text,
  dateCreated: text,
  dateModified: text,
});
export type WireCustomer = z.infer<typeof WireCustomerSchema>;

/** What custsync sends for a customer (bulk item, create, patch). */
export interface WireCustomerInput {
  source?: string;
  sourceId?: string;
  debtorId?: string | number;
  firstName?: string;
  middleName?: string;
  lastName?: string;
  abbreviation?: string;
  title?: string;
  dateOfBirth?: string;
  gender?: string;
  login?: string;
  phone?: string;
  email?: string;
  ssn?: string;
  parent?: z.infer<typeof ParentSchema>;
  pricelistAmount?: string;
  pricelistPercentage?: string;
  primaryLanguage?: string;
}

export const addressTypes = ['invoice', 'delivery'] as const;
export type AddressType = (typeof addressTypes)[number];

export const WireAddressSchema = z.looseObject({
  id: z.union([z.number(), z.string()]).optional(),
  code: text,
  type: z.string(),
  isDefault: yesNo,
  firstName: text,
  lastName: text,
  company: text,
  street: text,
  number: z.union([z.string(), z.number()]).nullish(),
  numberExtension: text,
  postalCode: text,
  city: text,
  region: text,
  country: text,
  phone: text,
  email: text,
  notes: text,
});
export type WireAddress = z.infer<typeof WireAddressSchema>;

export interface WireAddressInput {
  code: string;
  type: AddressType;
  isDefault: 'Y' | 'N';
  firstName?: string;
  lastName?: string;
  company?: string;
  street?: string;
  postalCode?: string;
  city?: string;
  region?: string;
  country?: string;
  phone?: string;
}

/** The error envelope of every non-2xx answer. */
export const ErrorBodySchema = z.looseObject({
  code: z.union([z.number(), z.string()]).optional(),
  status: z.number().optional(),
  type: z.string().optional(),
  messages: z.array(z.string()).optional(),
  moreInfo: z.unknown().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
export const ErrorEnvelopeSchema = z.looseObject({ error: ErrorBodySchema });

export const SearchAnswerSchema = z.looseObject({
  data: z.array(WireCustomerSchema),
  messages: z.array(z.string()).optional(),
  start: z.number().optional(),
  end: z.number().optional(),
  page: z.number(),
  offset: z.number(),
  total: z.number().int().min(0),
  pages: z.number().int().min(0),
});

export const OneCustomerAnswerSchema = z.looseObject({ data: WireCustomerSchema });

export const AddressesAnswerSchema = z.looseObject({
  data: z.array(WireAddressSchema),
  messages: z.array(z.string()).optional(),
  total: z.number().optional(),
});

/** One item of a bulk answer: `success` with `action`/`id`, or an `error`. */
export const BulkItemSchema = z.looseObject({
  success: z.boolean(),
  action: z.enum(['create', 'update']).optional(),
  id: z.union([z.number(), z.string()]).optional(),
  key: z.union([z.string(), z.number()]).nullish(),
  lookupKey: z.string().optional(),
  error: ErrorBodySchema.optional(),
});
export type BulkItem = z.infer<typeof BulkItemSchema>;

export const BulkAnswerSchema = z.looseObject({
  data: z.array(BulkItemSchema),
  messages: z.array(z.string()).optional(),
  total: z.number().optional(),
});
