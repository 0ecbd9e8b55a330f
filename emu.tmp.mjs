import { dialects } from './dist/dialects/registry.js';
const [id, n, lat, port] = process.argv.slice(2);
const h = await dialects[id].emulator.start({ customers: Number(n), latencyMs: Number(lat), port: Number(port), seed: 1, rateLimit: { limit: 1e9 } });
console.log(JSON.stringify({ profiles: { [`sb-${id}`]: h.profile } }));
