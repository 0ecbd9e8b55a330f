import { z } from 'zod';

/**
 * Wire shapes of Propeller Commerce REST v2 (SPEC section 8 `propeller`).
 * Answers are parsed leniently: unknown fields pass, every field custsync
 * does not need may be missing, and only what it uses is typed (a wrong type
 * there is a protocol error, not a wrong record). Answers say "" for an
 * absent value; the mapping reads "" as absent.
 */

const text = z.string().nullish();
const idLike = z.union([z.number(), z.string()]);

/** One entry of `sources` (`?expands=sources`): the external systems that know this customer. */
export const SourceEntrySchema = z.looseObject({
  source: text,
  sourceId: z.union([z.string(), z.number()]).nullish(),
});
export type SourceEntry = z.infer<typeof SourceEntrySchema>;

/** A customer as the API answers it (search, lookup). */
export const WireCustomerSchema = z.looseObject({
  id: z.union([z.number().int(), z.string().regex(/^\d+$/)]),
  debtorId: idLike.nullish(),
  firstName: text,
  middleName: text,
  lastName: text,
  abbreviation: text,
  title: text,
  login: text,
  email: text,
  phone: text,
  mobile: text,
  fax: text,
  gender: text,
  primaryLanguage: text,
  dateOfBirth: text,
  dateCreated: text,
  dateModified: text,
  sources: z.array(SourceEntrySchema).nullish(),
  // Not among the answered fields of the reference, but read when a server sends them.
  source: text,
  sourceId: z.union([z.string(), z.number()]).nullish(),
  ssn: idLike.nullish(),
  parent: z.unknown().optional(),
  pricelistAmount: text,
  pricelistPercentage: text,
});
export type WireCustomer = z.infer<typeof WireCustomerSchema>;

/** `parent`: the parent usergroup, by `id` or by `sourceId` + `source`. */
export interface WireParent {
  id?: number | string;
  sourceId?: string;
  source?: string;
}

/**
 * What custsync sends for a customer in a bulk call: only the keys the
 * reference publishes for it (any other key fails the whole call with 400
 * 10007), its addresses inline.
 */
export interface WireCustomerInput {
  source: string;
  sourceId: string;
  debtorId?: string | number;
  firstName?: string;
  middleName?: string;
  lastName?: string;
  abbreviation?: string;
  title?: string;
  dateOfBirth?: string;
  gender?: string;
  ssn?: string;
  phone?: string;
  email?: string;
  parent?: WireParent;
  pricelistAmount?: string;
  pricelistPercentage?: string;
  primaryLanguage?: string;
  addresses?: WireAddressInput[];
}

/** The keys a bulk customer may carry (SPEC section 8). */
export const bulkCustomerKeys = [
  'source', 'sourceId', 'debtorId', 'firstName', 'middleName', 'lastName', 'abbreviation', 'title', 'dateOfBirth', 'gender',
  'ssn', 'phone', 'email', 'parent', 'pricelistAmount', 'pricelistPercentage', 'primaryLanguage', 'attributes', 'pricing', 'addresses',
] as const;

/** The keys an address may carry, inline or on the address bulk endpoint. */
export const addressKeys = [
  'code', 'type', 'isDefault', 'firstName', 'middleName', 'lastName', 'gender', 'company', 'street', 'number', 'numberExtension',
  'postalCode', 'city', 'region', 'country', 'icp', 'phone', 'mobile', 'email', 'url', 'notes',
] as const;

export const addressTypes = ['invoice', 'delivery'] as const;
export type AddressType = (typeof addressTypes)[number];

/** An address as the API answers it. */
export const WireAddressSchema = z.looseObject({
  id: idLike.nullish(),
  code: text,
  type: text,
  isDefault: z.union([z.string(), z.boolean()]).nullish(),
  firstName: text,
  lastName: text,
  company: text,
  street: text,
  number: idLike.nullish(),
  numberExtension: text,
  postalCode: text,
  city: text,
  region: text,
  country: text,
  phone: text,
});
export type WireAddress = z.infer<typeof WireAddressSchema>;

export interface WireAddressInput {
  code: string;
  type: AddressType;
  isDefault: 'Y' | 'N';
  firstName?: string;
  lastName?: string;
  company?: string;
  street: string;
  postalCode?: string;
  city: string;
  region?: string;
  country: string;
  phone?: string;
}

/** The error envelope of every non-2xx answer. */
export const ErrorBodySchema = z.looseObject({
  code: idLike.optional(),
  status: z.unknown().optional(),
  type: z.string().optional(),
  messages: z.array(z.string()).optional(),
  moreInfo: z.unknown().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
export const ErrorEnvelopeSchema = z.looseObject({ error: ErrorBodySchema });

/** `POST /customers/search`: only `data` and `total` are needed; `pages` is worked out when missing. */
export const SearchAnswerSchema = z.looseObject({
  data: z.array(WireCustomerSchema),
  total: z.coerce.number().int().min(0),
  pages: z.coerce.number().int().min(0).optional(),
  page: z.unknown().optional(),
  offset: z.unknown().optional(),
});

export const OneCustomerAnswerSchema = z.looseObject({ data: WireCustomerSchema });

export const AddressesAnswerSchema = z.looseObject({ data: z.array(WireAddressSchema) });

/** One item of a bulk answer: `success` with `action`/`id`, or an `error`. */
export const BulkItemSchema = z.looseObject({
  success: z.boolean(),
  action: z.string().optional(),
  id: idLike.nullish(),
  key: idLike.nullish(),
  lookupKey: z.string().optional(),
  error: ErrorBodySchema.nullish(),
});
export type BulkItem = z.infer<typeof BulkItemSchema>;

export const BulkAnswerSchema = z.looseObject({ data: z.array(BulkItemSchema) });
