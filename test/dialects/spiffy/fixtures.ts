import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Customer } from '../../../src/core/customer.js';
import { SpiffyCustomerSchema, type SpiffyCustomer } from '../../../src/dialects/spiffy/schema.js';

/** The document's example customer (GET /api/customers.json), as served. */
export const bilbo: SpiffyCustomer = SpiffyCustomerSchema.parse(
  JSON.parse(readFileSync(resolve(import.meta.dirname, '../../fixtures/spiffy-bilbo.json'), 'utf8')),
);

/** The document's example customer, as the canonical record it must read into. */
export const bilboCanonical: Customer = {
  key: '6',
  email: 'bilbo@lordoftherings.com',
  title: 'Mr',
  firstName: 'Bilbo',
  lastName: 'Baggins',
  phone: '123456789',
  addresses: [
    {
      kind: 'shipping',
      isDefault: true,
      firstName: 'Bilbo',
      lastName: 'Baggins',
      company: 'The Fellowship of the Ring',
      phone: '123456789',
      lines: ['2 Bag End'],
      city: 'Hobbiton',
      region: 'Waikato',
      regionCode: 'WKO',
      postcode: '1234',
      country: 'New Zealand',
      countryCode: 'NZ',
    },
  ],
  groups: ['wholesaler'],
  marketingOptIn: true,
  status: 'active',
  wholesale: false,
  credit: 0,
  totalSpent: 13908.63,
  ordersCount: 200,
  note: 'Here is some sample text.',
  custom: { accounting_id: '2b74006d-a599-42dd-b228-52596f49333c', pos_id: 'JDKYHBWT1D4F8MFH63DBMEN8Y4' },
  createdAt: '2010-06-15T23:15:50.925+10:00',
  updatedAt: '2017-09-20T10:47:18.428+10:00',
  source: { system: 'spiffy', profile: 'store', id: '6' },
};
