import { createInterface } from 'node:readline';
import { z } from 'zod';
import { parseCustomer, type Customer, type CustomerDraft } from '../core/customer.js';
import { UserError } from '../core/errors.js';

/** JSONL of canonical customers: exactly the canonical object, one a line. */
export async function* readJsonl(input: NodeJS.ReadableStream, name: string): AsyncGenerator<Customer> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let number = 0;
  try {
    for await (const line of lines) {
      number += 1;
      if (line.trim() === '') continue;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch (error) {
        throw new UserError(`${name}: line ${number} is not valid JSON: ${(error as Error).message}`);
      }
      try {
        yield parseCustomer(json as CustomerDraft);
      } catch (error) {
        if (error instanceof z.ZodError) {
          const issue = error.issues[0];
          throw new UserError(`${name}: line ${number}: field ${issue.path.join('.') || '(record)'}: ${issue.message}`);
        }
        if (error instanceof TypeError) throw new UserError(`${name}: line ${number} is not a customer object`);
        throw error;
      }
    }
  } finally {
    lines.close();
  }
}

