import { describe, expect, it } from 'vitest';
import { backoffDelay, defaultRetryPolicy, isRetryableNetworkError, isRetryableStatus, retryAfterMs } from '../../src/http/retry-policy.js';

/** When an exchange is tried again and how long to wait (SPEC section 6). Pure: the random source and the clock are given. */
describe('backoffDelay', () => {
  const policy = { retries: 5, baseDelayMs: 100, maxDelayMs: 1000 };

  it('is a point in [cap/2, cap] with cap doubling per attempt', () => {
    expect(backoffDelay(policy, 1, () => 0)).toBe(50);
    expect(backoffDelay(policy, 1, () => 1)).toBe(100);
    expect(backoffDelay(policy, 2, () => 0)).toBe(100);
    expect(backoffDelay(policy, 2, () => 1)).toBe(200);
    expect(backoffDelay(policy, 3, () => 0.5)).toBe(300);
  });

  it('never exceeds maxDelayMs', () => {
    expect(backoffDelay(policy, 5, () => 1)).toBe(1000);
    expect(backoffDelay(policy, 30, () => 0)).toBe(500);
  });

  it('defaults: 5 retries from 250 ms up to 20 s', () => {
    expect(defaultRetryPolicy).toEqual({ retries: 5, baseDelayMs: 250, maxDelayMs: 20_000 });
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2026-11-26T08:00:00Z');

  it('reads seconds, with a fraction and spaces', () => {
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs(' 1.5 ', now)).toBe(1500);
    expect(retryAfterMs('0', now)).toBe(0);
    expect(retryAfterMs(['3', '9'], now)).toBe(3000);
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('1.25', now)).toBe(1250);
  });

  it('reads an HTTP date as the time left until then, never negative', () => {
    expect(retryAfterMs('Thu, 26 Nov 2026 08:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Thu, 26 Nov 2026 07:59:00 GMT', now)).toBe(0);
  });

  it('is undefined when absent, empty or unreadable', () => {
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs('', now)).toBeUndefined();
    expect(retryAfterMs('  ', now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs('x5', now)).toBeUndefined();
    expect(retryAfterMs('5x', now)).toBeUndefined();
  });
});

describe('isRetryableStatus', () => {
  it('429 and the 5xx of a busy or broken server, nothing else', () => {
    for (const status of [429, 500, 502, 503, 504]) expect(isRetryableStatus(status), String(status)).toBe(true);
    for (const status of [200, 201, 400, 401, 403, 404, 409, 422, 501, 505]) expect(isRetryableStatus(status), String(status)).toBe(false);
  });
});

describe('isRetryableNetworkError', () => {
  it('connection-level failures', () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED']) {
      expect(isRetryableNetworkError(Object.assign(new Error(code), { code })), code).toBe(true);
    }
  });

  it('not a refusal, a bad certificate, an error without a code, or no error', () => {
    for (const code of ['ENOTFOUND', 'CERT_HAS_EXPIRED', 'UND_ERR_RESPONSE_STATUS_CODE', 'ERR_INVALID_URL']) {
      expect(isRetryableNetworkError(Object.assign(new Error(code), { code })), code).toBe(false);
    }
    expect(isRetryableNetworkError(new Error('x'))).toBe(false);
    expect(isRetryableNetworkError(undefined)).toBe(false);
  });
});
