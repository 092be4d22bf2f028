// Throughput of the public DCAP verifier @phala/dcap-qvl on one real MPC attestation: the baseline
// for bench/verify, which times dstack4j's DcapVerifier on the same quote and collateral.
//
// Usage: node bench-dcap-qvl.mjs [public_data.json] [seconds]
//   public_data.json  an MPC node's /public_data (tee_participant_info.Dstack.{quote,collateral});
//                     default $DSTACK4J_FIXTURE
//   seconds           measured duration, single-threaded (default 15; a 3-second warm-up comes first)
// Verifies at tcb_info.issueDate + 1 h (the fixtures' collateral is only valid around its issue date),
// fails unless the status is UpToDate, then prints one line:
//   dcap-qvl-bench {"ops_per_s":…,"verifications":…,"seconds":…,"status":"UpToDate","version":"0.3.9",…}
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import dcap from '@phala/dcap-qvl';

const { QuoteVerifier } = dcap;
const file = process.argv[2] || process.env.DSTACK4J_FIXTURE;
if (!file) {
  console.error('usage: node bench-dcap-qvl.mjs <public_data.json> [seconds]  (or set DSTACK4J_FIXTURE)');
  process.exit(2);
}
const seconds = Number(process.argv[3] || 15);
if (!(seconds > 0 && seconds <= 600)) {
  console.error(`seconds must be in (0, 600], got ${process.argv[3]}`);
  process.exit(2);
}

const dstack = JSON.parse(readFileSync(file, 'utf8')).tee_participant_info?.Dstack;
if (!dstack?.quote || !dstack?.collateral) {
  console.error(`${file} has no tee_participant_info.Dstack.{quote,collateral}`);
  process.exit(2);
}
// Converted once, in dcap-qvl's favour: the quote as bytes, the collateral's byte-array fields
// (/public_data's serde form) as Uint8Arrays, which verify() copies faster than arrays of numbers;
// the signed JSON documents and PEM chains stay the exact text it must hash and parse.
const quote = Uint8Array.from(dstack.quote);
const collateral = Object.fromEntries(Object.entries(dstack.collateral)
    .map(([k, v]) => [k, Array.isArray(v) ? Uint8Array.from(v) : v]));
const at = Date.parse(JSON.parse(collateral.tcb_info).issueDate) / 1000 + 3600;
const verifier = QuoteVerifier.newProd();

function once() {
  const r = verifier.verify(quote, collateral, at);
  if (r.status !== 'UpToDate') throw new Error(`dcap-qvl status is ${r.status}, expected UpToDate`);
  return r;
}

function runFor(ms) {
  const end = performance.now() + ms;
  let n = 0;
  let start = performance.now();
  let now = start;
  // check the clock every 8 verifications: cheap next to one verification (~ms)
  while (now < end) {
    for (let i = 0; i < 8; i++) once();
    n += 8;
    now = performance.now();
  }
  return { n, ms: now - start };
}

const first = once();
runFor(3000); // warm-up: JIT and any lazily built tables
const { n, ms } = runFor(seconds * 1000);
const version = createRequire(import.meta.url)('@phala/dcap-qvl/package.json').version;
console.log(`dcap-qvl-bench ${JSON.stringify({
  ops_per_s: n / (ms / 1000),
  verifications: n,
  seconds: ms / 1000,
  status: first.status,
  advisory_ids: first.advisory_ids,
  verified_at: new Date(at * 1000).toISOString(),
  version,
  node: process.version,
})}`);
