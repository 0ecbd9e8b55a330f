import { fakerDE, fakerEN_AU, fakerEN_GB, fakerEN_US, fakerFR, fakerNL, fakerPL, fakerSV, type Faker } from '@faker-js/faker';
import { parseCustomer, type Address, type AddressDraft, type Customer, type CustomerDraft } from '../core/customer.js';

/**
 * Deterministic, realistic customers for emulators, tests and benchmarks.
 * Record `i` depends only on (seed, i), so a generated base can be streamed
 * at any size and is the same every run. The mix is meant to hurt: unicode
 * names, apostrophes, commas, quotes and newlines in notes, several
 * countries, companies, separate shipping addresses, groups.
 */

interface Locale {
  faker: Faker;
  countryCode: string;
  country: string;
  language: string;
  withRegionCode: boolean;
}

const locales: Locale[] = [
  { faker: fakerEN_US, countryCode: 'US', country: 'United States', language: 'en', withRegionCode: true },
  { faker: fakerEN_AU, countryCode: 'AU', country: 'Australia', language: 'en', withRegionCode: true },
  { faker: fakerDE, countryCode: 'DE', country: 'Deutschland', language: 'de', withRegionCode: false },
  { faker: fakerFR, countryCode: 'FR', country: 'France', language: 'fr', withRegionCode: false },
  { faker: fakerNL, countryCode: 'NL', country: 'Nederland', language: 'nl', withRegionCode: false },
  { faker: fakerEN_GB, countryCode: 'GB', country: 'United Kingdom', language: 'en', withRegionCode: false },
  { faker: fakerPL, countryCode: 'PL', country: 'Polska', language: 'pl', withRegionCode: false },
  { faker: fakerSV, countryCode: 'SE', country: 'Sverige', language: 'sv', withRegionCode: false },
];

const groupPool = ['retail', 'wholesale', 'vip', 'dealer', 'newsletter', 'trade', 'staff'];
const awkwardLastNames = ["O'Brien", "D'Angelo", 'Müller-Lüdenscheidt', 'Łukasiewicz', 'Ñúñez', 'van der Berg', "O'Connor-Smith"];
const awkwardNotes = [
  'Prefers delivery before 10am, please call ahead',
  'Said: "leave it with the neighbour, not the porch"',
  'Line one\nLine two, with a comma',
  '=SUM(A1:A9) is not a formula here',
  '+31 is the country code, -5% agreed',
  'Tab\there and a “smart quote”',
  'Ünïcödé — naïve café ☕',
];

function ascii(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ł/g, 'l')
    .replace(/Ł/g, 'L')
    .replace(/[^A-Za-z0-9]+/g, '')
    .toLowerCase();
}

function address(f: Faker, locale: Locale, kind: Address['kind'], isDefault: boolean, person: { firstName: string; lastName: string }): AddressDraft {
  const lines = [f.location.streetAddress()];
  if (f.datatype.boolean(0.3)) lines.push(f.location.secondaryAddress());
  const region = f.location.state();
  return {
    kind,
    isDefault,
    firstName: person.firstName,
    lastName: person.lastName,
    company: f.datatype.boolean(0.2) ? f.company.name() : undefined,
    phone: f.datatype.boolean(0.6) ? f.phone.number() : undefined,
    lines,
    city: f.location.city(),
    region,
    regionCode: locale.withRegionCode ? f.location.state({ abbreviated: true }) : undefined,
    postcode: f.location.zipCode(),
    country: locale.country,
    countryCode: locale.countryCode,
  };
}

/** Customer number `index` (0-based) of the base generated with `seed`. */
export function generateCustomer(index: number, seed = 1): Customer {
  const locale = locales[(index + seed) % locales.length];
  const f = locale.faker;
  f.seed(seed * 1_000_003 + index);
  const firstName = f.person.firstName();
  const lastName = f.datatype.boolean(0.08) ? f.helpers.arrayElement(awkwardLastNames) : f.person.lastName();
  const person = { firstName, lastName };
  const created = f.date.between({ from: '2019-01-01T00:00:00Z', to: '2025-06-30T00:00:00Z' });
  const updated = f.date.between({ from: created, to: '2026-06-30T00:00:00Z' });
  const addresses: AddressDraft[] = [address(f, locale, 'billing', true, person)];
  if (f.datatype.boolean(0.35)) addresses.push(address(f, locale, 'shipping', true, person));
  if (f.datatype.boolean(0.1)) addresses.push(address(f, locale, 'shipping', false, person));
  const company = f.datatype.boolean(0.3) ? f.company.name() : undefined;
  if (company) addresses[0].company = company;
  const groups = f.helpers.arrayElements(groupPool, { min: 0, max: 2 });
  const draft: CustomerDraft = {
    key: `C${String(index + 1).padStart(6, '0')}`,
    email: `${ascii(firstName)}.${ascii(lastName)}.${index + 1}@${f.internet.domainName()}`,
    firstName,
    lastName,
    company,
    phone: addresses[0].phone ?? f.phone.number(),
    mobile: f.datatype.boolean(0.3) ? f.phone.number() : undefined,
    dateOfBirth: f.datatype.boolean(0.4) ? f.date.birthdate({ mode: 'age', min: 18, max: 85 }).toISOString().slice(0, 10) : undefined,
    gender: f.helpers.arrayElement(['m', 'f', 'u'] as const),
    language: locale.language,
    addresses,
    groups,
    marketingOptIn: f.datatype.boolean(0.5),
    status: f.datatype.boolean(0.9) ? 'active' : 'disabled',
    discountPercent: f.datatype.boolean(0.2) ? f.number.int({ min: 1, max: 30 }) : undefined,
    wholesale: groups.includes('wholesale') || groups.includes('trade'),
    note: f.datatype.boolean(0.25) ? f.helpers.arrayElement(awkwardNotes) : undefined,
    custom: f.datatype.boolean(0.2) ? { custom_data1: f.commerce.department() } : {},
    createdAt: created.toISOString(),
    updatedAt: updated.toISOString(),
  };
  return parseCustomer(draft);
}

/** The first `count` customers of the base generated with `seed`, lazily. */
export function* generateCustomers(count: number, seed = 1): Generator<Customer> {
  for (let i = 0; i < count; i += 1) yield generateCustomer(i, seed);
}
