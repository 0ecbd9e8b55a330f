import { z } from 'zod';

/**
 * Wire shapes of the Cabinetry.Online customer API (SPEC section 8
 * `cabinetry`). Readers are lenient where the document is (items "may be
 * omitted, blank, empty or null"; its list example spells one key
 * `manufacturerId`), strict about the envelope.
 */

const text = z.string().nullish();
const amount = z.union([z.number(), z.string()]).nullish();
const flag = z.union([z.boolean(), z.number()]).nullish();

export const WireAddressSchema = z.looseObject({
  street: z.array(z.string().nullable()).nullish(),
  suburb: text,
  state: text,
  state_code: text,
  postcode: text,
  country: text,
  country_code: text,
});
export type WireAddress = z.infer<typeof WireAddressSchema>;

export const WireDeliveryAddressSchema = WireAddressSchema.extend({
  external_id: text,
  name: text,
  default: flag,
});
export type WireDeliveryAddress = z.infer<typeof WireDeliveryAddressSchema>;

export const WireSettingsSchema = z.record(z.string(), z.unknown());

export const WireCustomerSchema = z.looseObject({
  id: z.union([z.number(), z.string().min(1)]),
  manufacturer_id: z.union([z.number(), z.string()]).nullish(),
  name: text,
  email: text,
  phone: text,
  mobile: text,
  cc_email: text,
  price_adjustment: amount,
  minimum_charge_amount: amount,
  minimum_freight_amount: amount,
  contact_address: WireAddressSchema.nullish(),
  delivery_address: z.array(WireDeliveryAddressSchema).nullish(),
  customer_labels: z.array(z.string()).nullish(),
  default_depot_id: z.union([z.number(), z.string()]).nullish(),
  external_id: text,
  settings: WireSettingsSchema.nullish(),
});
export type WireCustomer = z.infer<typeof WireCustomerSchema>;

/** Paging reads `page_count` and `total_count`; the other two may be missing. */
export const PaginationSchema = z.object({
  current_page: z.coerce.number().int().optional(),
  page_count: z.coerce.number().int().min(0),
  page_size: z.coerce.number().int().optional(),
  total_count: z.coerce.number().int().min(0),
});

export const ListEnvelopeSchema = z.object({
  success: z.literal(1),
  items: z.array(WireCustomerSchema),
  pagination: PaginationSchema,
});

export const OneEnvelopeSchema = z.object({
  success: z.literal(1),
  customer: WireCustomerSchema,
});

export const ErrorEnvelopeSchema = z.object({
  success: z.literal(0),
  error: z.object({ messages: z.array(z.string()) }),
});

/** What custsync sends on create and update: a Customer record without `id` and `manufacturer_id`. */
export type WirePayload = {
  name?: string;
  email?: string;
  phone?: string;
  mobile?: string;
  cc_email?: string;
  price_adjustment?: number;
  minimum_charge_amount?: number;
  minimum_freight_amount?: number;
  contact_address?: WirePayloadAddress;
  delivery_address: WirePayloadDeliveryAddress[];
  customer_labels: string[];
  default_depot_id?: number | string;
  external_id?: string;
  settings: Record<string, boolean>;
};

export type WirePayloadAddress = {
  street: string[];
  suburb?: string;
  state?: string;
  state_code?: string;
  postcode?: string;
  country?: string;
  country_code?: string;
};

export type WirePayloadDeliveryAddress = WirePayloadAddress & {
  external_id?: string;
  name?: string;
  default: boolean;
};
