import { z } from 'zod';
import { snippet } from '../../core/errors.js';
import { checkBody, type HttpResponse } from '../../http/client.js';
import { parseXmlResponse, type XmlNode } from './xml.js';

/**
 * The wire shapes of the ResultSet API (SPEC section 8 `resultset`), as zod
 * schemas over parsed XML: every value is a string, list nodes are arrays.
 */

/** The Customer columns custsync reads and writes, in the document's order. */
export const customerColumns = [
  'username', 'password', 'email', 'phone_day', 'phone_night',
  'b_company', 'b_fname', 'b_lname', 'b_address1', 'b_address2', 'b_address3', 'b_city', 'b_state', 'b_zip', 'b_country',
  'company', 'fname', 'lname', 'address1', 'address2', 'address3', 'city', 'state', 'zip', 'country',
  'inactive', 'discount', 'no_email', 'mv_shipmode',
  'custom_data1', 'custom_data2', 'custom_data3', 'custom_data4',
  'date_created', 'date_updated',
] as const;
export type CustomerColumn = (typeof customerColumns)[number];

/** A `<UserGroup>` (the UserGroups resource). */
export const UserGroupNode = z.looseObject({
  code: z.string().min(1),
  title: z.string().optional(),
  description: z.string().optional(),
  subscribable: z.string().optional(),
  subscribe_text: z.string().optional(),
  parent_code: z.string().optional(),
});
export type UserGroupNode = z.infer<typeof UserGroupNode>;

/** A `<UserCustomerGroup>`, with its `<UserGroup>` when `UserGroups` is joined. */
export const UserCustomerGroupNode = z.looseObject({
  code: z.string().optional(),
  username: z.string().optional(),
  group_code: z.string().min(1),
  subscribed: z.string().optional(),
  UserGroup: z.array(UserGroupNode).optional(),
});
export type UserCustomerGroupNode = z.infer<typeof UserCustomerGroupNode>;

const columnShape = Object.fromEntries(customerColumns.map((column) => [column, z.string().optional()])) as Record<CustomerColumn, z.ZodOptional<z.ZodString>>;

/** A `<Customer>` node. */
export const CustomerNode = z.looseObject({
  ...columnShape,
  username: z.string().min(1, 'username is empty'),
  UserCustomerGroup: z.array(UserCustomerGroupNode).optional(),
});
export type CustomerNode = z.infer<typeof CustomerNode>;

/** `<ResultSet>` with no children parses as an empty string: read it as an empty node. */
const resultSet = <T extends z.ZodRawShape>(shape: T) =>
  z.object({ ResultSet: z.preprocess((value) => (value === '' ? {} : value), z.looseObject(shape)) });

const count = z.string().regex(/^\d+$/, 'must be a whole number');

export const CustomerListAnswer = resultSet({
  '@total': count,
  '@page': count.optional(),
  '@limit': count.optional(),
  Customer: z.array(CustomerNode).optional(),
});

export const CustomerOneAnswer = resultSet({ Customer: z.array(CustomerNode).length(1, 'expected exactly one Customer') });

/** One outcome of an upsert: a Customer (`username`) or a UserGroup (`code`). */
export const ResultNode = z.object({
  username: z.string().optional(),
  code: z.string().optional(),
  action: z.enum(['create', 'update']).optional(),
  error: z.string().optional(),
});
export const UpsertAnswer = resultSet({ Result: z.array(ResultNode).optional() });

export const UserGroupsAnswer = resultSet({
  '@total': count.optional(),
  UserGroup: z.array(UserGroupNode).optional(),
});

export const ErrorAnswer = resultSet({
  Error: z.array(z.object({ code: z.string().optional(), message: z.string().optional() })).min(1),
});

/** Parses an answer's XML and checks it against a wire schema; anything else is a ProtocolError naming the request. */
export function parseAnswer<S extends z.ZodType>(response: HttpResponse, schema: S): z.infer<S> {
  const xml: XmlNode = parseXmlResponse(response);
  return checkBody(response, xml, schema, 'ResultSet');
}

/** The message of an XML error answer (`<Error><code/><message/></Error>`), or a snippet of whatever came. */
export function errorMessage(response: HttpResponse): string {
  try {
    const parsed = ErrorAnswer.safeParse(parseXmlResponse(response));
    if (parsed.success) {
      const [first] = parsed.data.ResultSet.Error;
      return [first.code, first.message].filter(Boolean).join(': ') || `status ${response.status}`;
    }
  } catch {
    // Not XML: fall through to the snippet.
  }
  return snippet(response.text, 200) || `status ${response.status}`;
}
