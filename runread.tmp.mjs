import { benchRead } from './dist/bench/read.js';
await benchRead({ customers: Number(process.env.N ?? 5000), bigCustomers: Number(process.env.BIG ?? 50000), dialects: process.env.D?.split(',') });
