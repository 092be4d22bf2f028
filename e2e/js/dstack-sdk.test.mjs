// Drives dstack4j's guest agent with the official JS client @phala/dstack-sdk and checks every
// method, the RTMR3 event-log replay and the KMS signature chains. Run by JsClientsTest
// (org.dstack4j.e2e); plain `node dstack-sdk.test.mjs` works too.
//
// Environment:
//   DSTACK_SIMULATOR_ENDPOINT  unix socket of our agent (the SDK reads it)
//   DSTACK4J_KMS_ROOT          file written by `dstack4j agent --write-kms-root` (hex SEC1 compressed)
//   TAPPD_SIMULATOR_ENDPOINT   unix socket of our agent's Tappd service (`--tappd-socket`; the SDK reads it)
//
// Attestations and quotes are also printed as `dstack4j-evidence <kind> <expected report data hex> <hex>`
// lines, which JsClientsTest decodes and verifies with dstack4j's own SDK and DCAP verifier.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey, X509Certificate, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DstackClient, TappdClient } from '@phala/dstack-sdk';
import { secp256k1 } from '@noble/curves/secp256k1';
import { keccak_256 } from '@noble/hashes/sha3';

const hex = (b) => Buffer.from(b).toString('hex');
const sha256 = (b) => createHash('sha256').update(b).digest();
const sha384 = (b) => createHash('sha384').update(b).digest();
const QUOTE_RTMR_OFFSET = [376, 424, 472, 520]; // TDX quote v4: body at 48, rt_mr0..3 at body + 328/376/424/472
const RUNTIME_EVENT_TYPE = 0x08000001;

function requiredEnv(name) {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is not set`);
  return v;
}

const client = () => new DstackClient(requiredEnv('DSTACK_SIMULATOR_ENDPOINT'));
const kmsRoot = () => readFileSync(requiredEnv('DSTACK4J_KMS_ROOT'), 'utf8').trim();

/** Event digest per dstack: SHA-384(u32_le(event_type) ‖ ":" ‖ utf8(event) ‖ ":" ‖ payload). */
function eventDigest(e) {
  const type = Buffer.alloc(4);
  type.writeUInt32LE(e.event_type);
  return sha384(Buffer.concat([type, Buffer.from(':'), Buffer.from(e.event, 'utf8'), Buffer.from(':'),
    Buffer.from(e.event_payload, 'hex')]));
}

/** RTMR3 replay from names and payloads (digests recomputed, never trusted). */
function replayRtmr3(log) {
  let mr = Buffer.alloc(48);
  for (const e of log.filter((x) => x.imr === 3)) {
    mr = sha384(Buffer.concat([mr, eventDigest(e)]));
  }
  return hex(mr);
}

const quoteRtmr = (quoteHex, i) => quoteHex.slice(QUOTE_RTMR_OFFSET[i] * 2, (QUOTE_RTMR_OFFSET[i] + 48) * 2);

/** Recovers the SEC1 compressed key from a 65-byte r ‖ s ‖ v signature over a 32-byte hash. */
function recover(sig65, hash) {
  assert.equal(sig65.length, 65, 'recoverable signatures are 65 bytes');
  return hex(secp256k1.Signature.fromCompact(sig65.slice(0, 64)).addRecoveryBit(sig65[64] % 27)
      .recoverPublicKey(hash).toRawBytes(true));
}

/** Checks [keySignature, kmsSignature] as dstack's KMS chain; returns the recovered app public key. */
function checkChain(purpose, derivedPublicKey, keySig, kmsSig, appIdHex) {
  const appPub = recover(keySig, keccak_256(Buffer.from(`${purpose}:${hex(derivedPublicKey)}`, 'utf8')));
  const issued = Buffer.concat([Buffer.from('dstack-kms-issued:'), Buffer.from(appIdHex, 'hex'), Buffer.from(appPub, 'hex')]);
  assert.equal(recover(kmsSig, keccak_256(issued)), kmsRoot(), 'KMS signature recovers to the KMS root key');
  return appPub;
}

test('isReachable and version', async () => {
  assert.equal(await client().isReachable(), true);
  const v = await client().version();
  assert.match(v.version, /\S/);
  assert.equal(typeof v.rev, 'string');
});

test('info: tcb_info parses and its RTMR3 equals the replay of its event log', async () => {
  const info = await client().info();
  assert.match(info.app_id, /^[0-9a-f]{40}$/);
  assert.match(info.compose_hash, /^[0-9a-f]{64}$/);
  assert.equal(info.compose_hash, hex(sha256(Buffer.from(info.tcb_info.app_compose, 'utf8'))));
  assert.equal(info.app_id, info.compose_hash.slice(0, 40));
  assert.equal(info.tcb_info.rtmr3, replayRtmr3(info.tcb_info.event_log));
  const names = info.tcb_info.event_log.filter((e) => e.imr === 3).map((e) => e.event);
  assert.deepEqual(names.slice(0, 8), ['system-preparing', 'app-id', 'compose-hash', 'instance-id', 'boot-mr-done',
    'key-provider', 'storage-fs', 'system-ready']);
});

test('emitEvent then getQuote: quoted RTMR3 = replay of Info event log, emitted event last', async () => {
  const c = client();
  const name = `js-sdk-${randomBytes(4).toString('hex')}`;
  const payload = randomBytes(24);
  await c.emitEvent(name, payload);
  const reportData = randomBytes(32);
  const q = await c.getQuote(reportData);
  const info = await c.info();
  const log = info.tcb_info.event_log;
  const last = log[log.length - 1];
  assert.deepEqual({ imr: last.imr, event_type: last.event_type, event: last.event, event_payload: last.event_payload },
      { imr: 3, event_type: RUNTIME_EVENT_TYPE, event: name, event_payload: hex(payload) });
  assert.equal(last.digest, hex(eventDigest(last)));
  assert.equal(quoteRtmr(q.quote, 3), replayRtmr3(log));
  assert.equal(quoteRtmr(q.quote, 3), info.tcb_info.rtmr3);
  // GetQuote's own event log (RTMR3 digests blanked, as the real agent) replays to the same value.
  const quoteLog = JSON.parse(q.event_log);
  assert.equal(quoteRtmr(q.quote, 3), replayRtmr3(quoteLog));
  // The SDK's own replay (from the digests) covers RTMR0-2.
  const replayed = q.replayRtmrs();
  for (let i = 0; i < 3; i++) {
    assert.equal(replayed[i], quoteRtmr(q.quote, i), `RTMR${i}`);
  }
  assert.equal(q.report_data, hex(Buffer.concat([reportData, Buffer.alloc(32)])));
  assert.equal(q.quote.slice(568 * 2, 632 * 2), q.report_data);
});

test('getKey: signature chain recovers to the simulated KMS root key', async () => {
  const c = client();
  const info = await c.info();
  const k = await c.getKey('wallet/eth', 'ethereum');
  assert.equal(k.key.length, 32);
  assert.equal(k.signature_chain.length, 2);
  const derivedPub = secp256k1.getPublicKey(k.key, true);
  const appPub = checkChain('ethereum', derivedPub, k.signature_chain[0], k.signature_chain[1], info.app_id);
  // Same path, same key; another path, another key, same app key.
  const again = await c.getKey('wallet/eth', 'ethereum');
  assert.equal(hex(again.key), hex(k.key));
  const other = await c.getKey('wallet/other', 'ethereum');
  assert.notEqual(hex(other.key), hex(k.key));
  assert.equal(checkChain('ethereum', secp256k1.getPublicKey(other.key, true), other.signature_chain[0],
      other.signature_chain[1], info.app_id), appPub);
});

test('getTlsKey: PEM key matches the leaf certificate', async () => {
  const tls = await client().getTlsKey({ subject: 'node.example', altNames: ['node.example'], usageRaTls: true });
  assert.ok(tls.certificate_chain.length >= 1);
  const leaf = new X509Certificate(tls.certificate_chain[0]);
  assert.match(leaf.subject, /node\.example/);
  const fromKey = createPublicKey(createPrivateKey(tls.key)).export({ type: 'spki', format: 'der' });
  assert.equal(hex(fromKey), hex(leaf.publicKey.export({ type: 'spki', format: 'der' })));
  if (tls.certificate_chain.length > 1) {
    assert.ok(leaf.verify(new X509Certificate(tls.certificate_chain[1]).publicKey), 'leaf signed by the app CA');
  }
});

test('sign and verify (secp256k1, secp256k1_prehashed, ed25519); chain recovers to the KMS root', async () => {
  const c = client();
  const info = await c.info();
  const data = Buffer.from('dstack4j js compatibility');
  const s = await c.sign('secp256k1', data);
  assert.equal(s.signature.length, 64);
  assert.ok(secp256k1.verify(s.signature, sha256(data), s.public_key), 'noble verifies the secp256k1 signature');
  assert.equal(s.signature_chain.length, 3);
  checkChain('signing', s.public_key, s.signature_chain[1], s.signature_chain[2], info.app_id);
  assert.equal((await c.verify('secp256k1', data, s.signature, s.public_key)).valid, true);
  assert.equal((await c.verify('secp256k1', Buffer.from('tampered'), s.signature, s.public_key)).valid, false);

  const digest = sha256(data);
  const p = await c.sign('secp256k1_prehashed', digest);
  assert.equal((await c.verify('secp256k1_prehashed', digest, p.signature, p.public_key)).valid, true);

  const e = await c.sign('ed25519', data);
  assert.equal(e.public_key.length, 32);
  assert.equal((await c.verify('ed25519', data, e.signature, e.public_key)).valid, true);
  const flipped = Buffer.from(e.signature);
  flipped[0] ^= 1;
  assert.equal((await c.verify('ed25519', data, flipped, e.public_key)).valid, false);
});

/** Reads a SCALE compact integer at `at`; returns [value, next offset]. */
function compact(b, at) {
  const mode = b[at] & 3;
  if (mode === 0) return [b[at] >> 2, at + 1];
  if (mode === 1) return [(b[at] | (b[at + 1] << 8)) >> 2, at + 2];
  if (mode === 2) return [b.readUInt32LE(at) >>> 2, at + 4];
  throw new Error('compact length too large for this test');
}

const evidence = (kind, reportData, hexBytes) => console.log(`dstack4j-evidence ${kind} ${reportData} ${hexBytes}`);

test('attest: the SCALE versioned attestation carries a quote over the report data', async () => {
  const reportData = randomBytes(48);
  const a = await client().attest(reportData);
  const doc = Buffer.from(a.attestation, 'hex');
  assert.equal(doc[0], 0, 'legacy VersionedAttestation::V0');
  assert.equal(doc[1], 0, 'DstackTdx quote');
  const [len, at] = compact(doc, 2);
  const quote = doc.subarray(at, at + len);
  const expected = hex(Buffer.concat([reportData, Buffer.alloc(16)]));
  assert.equal(hex(quote.subarray(568, 632)), expected);
  evidence('attestation', expected, a.attestation);
  await assert.rejects(client().attest(randomBytes(65)), /too large/);
});

const tappd = () => new TappdClient(requiredEnv('TAPPD_SIMULATOR_ENDPOINT'));

test('TappdClient.deriveKey: deterministic P-256 key with a certificate for it', async () => {
  const t = tappd();
  assert.equal(await t.isReachable(), true);
  const k = await t.deriveKey('/js/tappd', 'tappd.example');
  const leaf = new X509Certificate(k.certificate_chain[0]);
  assert.match(leaf.subject, /tappd\.example/);
  const fromKey = createPublicKey(createPrivateKey(k.key)).export({ type: 'spki', format: 'der' });
  assert.equal(hex(fromKey), hex(leaf.publicKey.export({ type: 'spki', format: 'der' })));
  const again = await t.deriveKey('/js/tappd', 'other.example', ['alt.example']);
  assert.equal(hex(createPublicKey(createPrivateKey(again.key)).export({ type: 'spki', format: 'der' })), hex(fromKey));
  assert.equal(k.asUint8Array(32).length, 32);
});

test('TappdClient.tdxQuote: report data = hash("app-data:" || data), and raw', async () => {
  const t = tappd();
  const data = randomBytes(100);
  const q = await t.tdxQuote(data, 'sha512');
  const expected = hex(createHash('sha512').update(Buffer.concat([Buffer.from('app-data:'), data])).digest());
  assert.equal(q.quote.slice(568 * 2, 632 * 2), expected);
  assert.equal(q.hash_algorithm, 'sha512');
  assert.equal(q.prefix, 'app-data');
  assert.equal(quoteRtmr(q.quote, 3), replayRtmr3(JSON.parse(q.event_log)));
  evidence('quote', expected, q.quote);
  const q256 = await t.tdxQuote(data, 'sha256');
  const expected256 = hex(Buffer.concat([createHash('sha256').update(Buffer.concat([Buffer.from('app-data:'), data])).digest(),
    Buffer.alloc(32)]));
  assert.equal(q256.quote.slice(568 * 2, 632 * 2), expected256);
  evidence('quote', expected256, q256.quote);
  // raw: the SDK left-pads short data to 64 bytes
  const raw = await t.tdxQuote(Buffer.from('abcd', 'hex'), 'raw');
  assert.equal(raw.quote.slice(568 * 2, 632 * 2), '00'.repeat(62) + 'abcd');
  assert.equal(raw.hash_algorithm, 'raw');
  await assert.rejects(t.tdxQuote(data, 'md5'));
});
