// Compiles DstackCluster.sol with the pinned solc-js (package-lock.json) into the artifact the Java
// binding loads. Deterministic: same source + same compiler = the same bytes, which a test checks.
//   node compile.mjs                 writes ../cluster/src/main/resources/org/dstack4j/cluster/contract/DstackCluster.json
//   node compile.mjs --out FILE      writes FILE instead (the test compares it with the committed one)
//   node compile.mjs --source examples/AttestationConsumer.sol --contract AttestationConsumer --out FILE
//                                    compiles another contract of this directory the same way (tests)
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import solc from 'solc';

const here = dirname(fileURLToPath(import.meta.url));
let SOURCE = 'DstackCluster.sol';
let CONTRACT = 'DstackCluster';
const DEFAULT_OUT = join(here, '..', 'cluster', 'src', 'main', 'resources', 'org', 'dstack4j', 'cluster', 'contract', 'DstackCluster.json');

const args = process.argv.slice(2);
let out = DEFAULT_OUT;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--out' && i + 1 < args.length) out = args[++i];
  else if (args[i] === '--source' && i + 1 < args.length) SOURCE = args[++i];
  else if (args[i] === '--contract' && i + 1 < args.length) CONTRACT = args[++i];
  else { console.error(`compile.mjs: unknown argument ${args[i]}; usage: node compile.mjs [--out FILE] [--source FILE.sol --contract NAME]`); process.exit(2); }
}
if (SOURCE !== 'DstackCluster.sol' && out === DEFAULT_OUT) {
  console.error('compile.mjs: --source needs --out FILE (the default output is the DstackCluster artifact)'); process.exit(2);
}

const source = readFileSync(join(here, SOURCE), 'utf8');
// cancun: PUSH0/MCOPY, supported by every current EVM chain; pinned so the bytecode does not follow
// the compiler's default.
const settings = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  outputSelection: { [SOURCE]: { [CONTRACT]: ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object', 'evm.deployedBytecode.immutableReferences'] } },
};
const input = { language: 'Solidity', sources: { [SOURCE]: { content: source } }, settings };
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
for (const e of output.errors || []) console.error(e.formattedMessage);
if (errors.length > 0) process.exit(1);

const c = output.contracts[SOURCE][CONTRACT];
const artifact = {
  contractName: CONTRACT,
  sourceName: SOURCE,
  sourceSha256: createHash('sha256').update(source, 'utf8').digest('hex'),
  compiler: { name: 'solc-js', version: solc.version() },
  settings: { optimizer: settings.optimizer, evmVersion: settings.evmVersion },
  abi: c.abi,
  bytecode: '0x' + c.evm.bytecode.object,
  deployedBytecode: '0x' + c.evm.deployedBytecode.object,
  // byte ranges of deployedBytecode that the constructor fills (immutables); zero in the artifact
  immutableReferences: Object.values(c.evm.deployedBytecode.immutableReferences || {})
    .flat().map(({ start, length }) => ({ start, length })).sort((a, b) => a.start - b.start),
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(artifact, null, 2) + '\n');
console.log(`compile.mjs: ${CONTRACT} (${(c.evm.deployedBytecode.object.length / 2)} bytes deployed) -> ${out}`);
