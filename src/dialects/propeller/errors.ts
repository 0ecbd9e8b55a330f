import { RemoteError, snippet } from '../../core/errors.js';
import type { HttpResponse } from '../../http/client.js';
import { ErrorEnvelopeSchema, type ErrorBody } from './schema.js';

/**
 * Propeller's error codes: those of the customer document and the generic
 * ones SPEC section 8 names. The message and hint are used when an answer
 * carries none of its own; a code not listed here is shown as it came.
 */
export const propellerErrors: Readonly<Record<number, { type: string; status: number; message: string; hint?: string }>> = {
  10005: { type: 'InvalidJSONPayload', status: 400, message: 'The JSON payload is not valid' },
  10006: { type: 'InvalidLookupKey', status: 400, message: 'The lookup key is not valid', hint: 'lookup keys are id and sourceId' },
  10007: { type: 'SchemaValidationException', status: 400, message: 'The payload does not match the schema' },
  10008: { type: 'NotFound', status: 404, message: 'The resource does not exist' },
  60004: { type: 'CustomerExists', status: 400, message: 'Customer already exists', hint: 'a customer with this lookup key exists: use --mode upsert or update' },
  60005: { type: 'CustomerMultipleFound', status: 400, message: 'Multiple customers found. Please provide additional filters', hint: 'several customers share this sourceId: give the profile a source' },
  60006: { type: 'CustomerNotFound', status: 404, message: 'Customer does not exist' },
  60007: { type: 'ParentCustomerNotFound', status: 404, message: 'Parent customer does not exist', hint: 'create the parent first, or fix custom.parent' },
  60008: { type: 'CustomerNotAllowed', status: 405, message: 'Customer is not allowed', hint: 'the customer is probably in the Recycle Bin: restore it in the Propeller backoffice' },
  90006: { type: 'AddressNotFound', status: 404, message: 'Address does not exist' },
};

/**
 * One line for an error envelope: `60004 CustomerExists: Customer already exists`.
 * Known codes fill in a missing type or message; unknown ones are shown as they are.
 */
export function propellerErrorMessage(error: ErrorBody | undefined): string {
  if (!error) return 'unknown error (no error body)';
  const code = error.code === undefined ? undefined : Number(error.code);
  const known = code !== undefined && !Number.isNaN(code) ? propellerErrors[code] : undefined;
  const type = error.type ?? known?.type;
  const messages = (error.messages ?? []).map((m) => m.trim()).filter((m) => m !== '');
  const message = messages.length > 0 ? messages.join('; ') : known?.message ?? 'no message';
  const head = [error.code === undefined ? undefined : String(error.code), type].filter(Boolean).join(' ');
  return head ? `${head}: ${message}` : message;
}

/** The error envelope of a non-2xx answer, if it has one. */
export function errorBodyOf(response: HttpResponse): ErrorBody | undefined {
  try {
    const parsed = ErrorEnvelopeSchema.safeParse(JSON.parse(response.text));
    return parsed.success ? parsed.data.error : undefined;
  } catch {
    return undefined;
  }
}

/** The message of a non-2xx answer: the envelope's, else the status and a body snippet. */
export function describeFailure(response: HttpResponse): string {
  const body = errorBodyOf(response);
  return body ? propellerErrorMessage(body) : `HTTP ${response.status}${response.text ? `: ${snippet(response.text, 200)}` : ''}`;
}

/** A non-2xx answer to a request that the run cannot go on without (search, count). */
export function failureError(response: HttpResponse): RemoteError {
  const body = errorBodyOf(response);
  const code = body?.code === undefined ? undefined : Number(body.code);
  const [method, url] = response.label.split(' ', 2);
  return new RemoteError(`${response.label} answered ${response.status}: ${describeFailure(response)}`, {
    method,
    url,
    status: response.status,
    bodySnippet: snippet(response.text),
    hint: code !== undefined ? propellerErrors[code]?.hint : undefined,
  });
}
