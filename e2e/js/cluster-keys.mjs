// Cluster-mode agents through the official JS SDK (@phala/dstack-sdk), as an app would use them:
//   node cluster-keys.mjs MEMBER_SOCKET MEMBER_SOCKET NONMEMBER_SOCKET
// prints one JSON line: {"keys_equal": bool, "issuer": "0x<address the chain's last signature recovers to>",
// "nonmember_error": "<the non-member agent's error>"}. Used by scripts/demo cluster --apps.
import { DstackClient } from '@phala/dstack-sdk';
import { secp256k1 } from '@noble/curves/secp256k1';
import { keccak_256 } from '@noble/hashes/sha3';

const hex = (b) => Buffer.from(b).toString('hex');
const recover = (sig65, hash) => secp256k1.Signature.fromCompact(sig65.slice(0, 64)).addRecoveryBit(sig65[64] % 27)
  .recoverPublicKey(hash);

async function issuer(socket) {
  const c = new DstackClient(socket);
  const info = await c.info();
  const k = await c.getKey('demo/app', 'signing');
  const derived = secp256k1.getPublicKey(k.key, true);
  const appPub = recover(k.signature_chain[0], keccak_256(Buffer.from(`signing:${hex(derived)}`, 'utf8'))).toRawBytes(true);
  const issued = Buffer.concat([Buffer.from('dstack-kms-issued:'), Buffer.from(info.app_id, 'hex'), Buffer.from(appPub)]);
  const root = recover(k.signature_chain[1], keccak_256(issued)).toRawBytes(false);
  return { key: hex(k.key), issuer: '0x' + hex(keccak_256(root.slice(1)).slice(12)) };
}

const [a, b, outsider] = process.argv.slice(2);
const ka = await issuer(a);
const kb = await issuer(b);
let nonmemberError = '';
try {
  await new DstackClient(outsider).getKey('demo/app', 'signing');
} catch (e) {
  nonmemberError = String(e.message || e);
}
console.log(JSON.stringify({ keys_equal: ka.key === kb.key && ka.issuer === kb.issuer, issuer: ka.issuer, nonmember_error: nonmemberError }));
