// Verifies dstack4j's simulated quotes, and the real MPC fixtures, with the public DCAP verifier
// @phala/dcap-qvl. Run by JsClientsTest (org.dstack4j.e2e); plain `node dcap-qvl.test.mjs` works too.
//
// Environment:
//   DSTACK_SIMULATOR_ENDPOINT  unix socket of our agent (quotes are fetched with @phala/dstack-sdk)
//   DSTACK4J_COLLATERAL        file written by `dstack4j agent --write-collateral`
//   DSTACK4J_TEST_ROOT         file written by `dstack4j agent --write-test-root` (PEM)
//   DSTACK4J_FIXTURES          directory holding mpc-attestation/<date>/public_data.json
// Prints one line per real fixture: `dcap-qvl fixture {"fixture":…,"verified_at":…,"status":…,"advisory_ids":[…]}`.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { X509Certificate, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import dcap from '@phala/dcap-qvl';
import { DstackClient } from '@phala/dstack-sdk';

const { QuoteVerifier } = dcap;

function requiredEnv(name) {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is not set`);
  return v;
}

function collateral() {
  return JSON.parse(readFileSync(requiredEnv('DSTACK4J_COLLATERAL'), 'utf8'));
}

function testRootDer() {
  return new X509Certificate(readFileSync(requiredEnv('DSTACK4J_TEST_ROOT'))).raw;
}

async function agentQuote(reportData) {
  const client = new DstackClient(requiredEnv('DSTACK_SIMULATOR_ENDPOINT'));
  const res = await client.getQuote(reportData);
  return Buffer.from(res.quote, 'hex');
}

const nowSecs = () => Math.floor(Date.now() / 1000);
const RTMR3_OFFSET = 520; // TD report body starts at 48; rt_mr3 at body offset 472

test('simulated quote verifies UpToDate under the pinned test root', async () => {
  const reportData = randomBytes(64);
  const quote = await agentQuote(reportData);
  const result = QuoteVerifier.newWithRootCa(testRootDer()).verify(quote, collateral(), nowSecs());
  assert.equal(result.status, 'UpToDate');
  assert.deepEqual(result.advisory_ids, []);
  assert.equal(result.report.type, 'td10');
  assert.equal(Buffer.from(result.report.data.reportData).toString('hex'), reportData.toString('hex'));
  assert.equal(Buffer.from(result.report.data.rtMr3).toString('hex'),
      quote.subarray(RTMR3_OFFSET, RTMR3_OFFSET + 48).toString('hex'));
  console.log(`dcap-qvl simulator ${JSON.stringify({ status: result.status, advisory_ids: result.advisory_ids })}`);
});

test('a quote with one flipped RTMR3 byte is rejected', async () => {
  const quote = await agentQuote(randomBytes(64));
  quote[RTMR3_OFFSET + 7] ^= 0x01;
  assert.throws(() => QuoteVerifier.newWithRootCa(testRootDer()).verify(quote, collateral(), nowSecs()),
      /signature is invalid/i);
});

test('a quote with one flipped report_data byte is rejected', async () => {
  const quote = await agentQuote(randomBytes(64));
  quote[568] ^= 0x80;
  assert.throws(() => QuoteVerifier.newWithRootCa(testRootDer()).verify(quote, collateral(), nowSecs()),
      /signature is invalid/i);
});

test('tampered TCB info is rejected', async () => {
  const quote = await agentQuote(randomBytes(64));
  const c = collateral();
  c.tcb_info = c.tcb_info.replace('"UpToDate"', '"OutOfDate"');
  assert.throws(() => QuoteVerifier.newWithRootCa(testRootDer()).verify(quote, c, nowSecs()),
      /Signature is invalid for tcb_info/);
});

test('the test PKI is not trusted under Intel\'s root (production verifier)', async () => {
  const quote = await agentQuote(randomBytes(64));
  assert.throws(() => QuoteVerifier.newProd().verify(quote, collateral(), nowSecs()),
      /Failed to verify certificate chain/);
});

function fixtureDirs() {
  const base = join(requiredEnv('DSTACK4J_FIXTURES'), 'mpc-attestation');
  assert.ok(existsSync(base), `${base} is missing`);
  return readdirSync(base).sort().map((d) => ({ date: d, file: join(base, d, 'public_data.json') }))
      .filter((f) => existsSync(f.file));
}

test('real MPC fixtures verify UpToDate under Intel\'s root at issueDate + 1h', () => {
  const fixtures = fixtureDirs();
  assert.ok(fixtures.length >= 3, `expected at least 3 fixtures, found ${fixtures.length}`);
  for (const f of fixtures) {
    const dstack = JSON.parse(readFileSync(f.file, 'utf8')).tee_participant_info.Dstack;
    const c = dstack.collateral;
    const issue = Date.parse(JSON.parse(c.tcb_info).issueDate) / 1000;
    const at = issue + 3600;
    const result = QuoteVerifier.newProd().verify(Uint8Array.from(dstack.quote), c, at);
    console.log(`dcap-qvl fixture ${JSON.stringify({
      fixture: f.date,
      verified_at: new Date(at * 1000).toISOString(),
      status: result.status,
      advisory_ids: result.advisory_ids,
    })}`);
    assert.equal(result.status, 'UpToDate', `${f.date}`);
    assert.deepEqual(result.advisory_ids, [], `${f.date}`);
    // The pinned test root must not accept Intel-signed evidence either.
    assert.throws(() => QuoteVerifier.newWithRootCa(testRootDer()).verify(Uint8Array.from(dstack.quote), c, at),
        /Failed to verify certificate chain/);
  }
});
