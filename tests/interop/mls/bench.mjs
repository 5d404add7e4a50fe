#!/usr/bin/env node
// ts-mls 1.6.4 workloads for the anchors of bench/Sotto.Benchmarks/Mls (BenchmarkDotNet), over JSON lines:
//   {"id":1,"method":"Setup","params":{"members":1000,"workload":"UpdateCreate"}} -> {"id":1,"result":{}}
//   {"id":2,"method":"Run","params":{}}                                           -> {"id":2,"result":{}}
// Setup builds the group the same way the Sotto fixture does: alice creates it and adds the other members in one
// commit (a sparse tree: every parent node blank); bob joins from the Welcome. Run performs the workload once.
// ts-mls states are immutable values, so a workload can be repeated on the same state (results are discarded).
// Workloads: UpdateCreate, UpdateProcess, AddOneCreate, AddOneProcess, RemoveOneCreate, RemoveOneProcess,
// Encrypt, Decrypt, BulkAdd, Join.
import { createInterface } from "node:readline";
import {
  acceptAll, createApplicationMessage, createCommit, createGroup, decodeMlsMessage, defaultCapabilities, defaultLifetime,
  encodeMlsMessage, generateKeyPackage, getCiphersuiteImpl, joinGroup, makePskIndex, processMessage,
} from "ts-mls";
import { getCiphersuiteFromId } from "ts-mls/crypto/ciphersuite.js";

const cs = await getCiphersuiteImpl(getCiphersuiteFromId(1));
const keyPackage = (name) => generateKeyPackage({ credentialType: "basic", identity: new TextEncoder().encode(name) }, defaultCapabilities(), defaultLifetime, [], cs);
const wire = (message) => decodeMlsMessage(encodeMlsMessage(message), 0)[0];
const pskIndex = (state) => makePskIndex(state, {});

let run = null;

async function setup({ members, workload }) {
  const alice = await keyPackage("member-0");
  const others = [];
  for (let i = 1; i < members; i++) others.push(await keyPackage("member-" + i));
  let aliceState = await createGroup(new TextEncoder().encode("bench group"), alice.publicPackage, alice.privatePackage, [], cs);
  const addAll = (state) => createCommit({ state, cipherSuite: cs, pskIndex: pskIndex(state) }, {
    extraProposals: others.map((kp) => ({ proposalType: "add", add: { keyPackage: kp.publicPackage } })),
    wireAsPublicMessage: true, ratchetTreeExtension: true,
  });
  if (workload === "BulkAdd") {
    run = () => addAll(aliceState);
    return;
  }

  const added = await addAll(aliceState);
  aliceState = added.newState;
  const bob = others[0];
  const join = () => joinGroup(added.welcome, bob.publicPackage, bob.privatePackage, pskIndex(undefined), cs);
  if (workload === "Join") {
    run = join;
    return;
  }

  const bobState = await join();
  const commit = (proposals) => createCommit({ state: aliceState, cipherSuite: cs, pskIndex: pskIndex(aliceState) },
    { extraProposals: proposals, wireAsPublicMessage: true, ratchetTreeExtension: true });
  const process = (message) => processMessage(message, bobState, pskIndex(bobState), acceptAll, cs);
  const newcomer = await keyPackage("newcomer");
  const proposals = {
    Update: [],
    AddOne: [{ proposalType: "add", add: { keyPackage: newcomer.publicPackage } }],
    RemoveOne: [{ proposalType: "remove", remove: { removed: members - 1 } }],
  };
  const kind = workload.replace(/(Create|Process)$/, "");
  if (proposals[kind]) {
    if (workload.endsWith("Create")) {
      run = () => commit(proposals[kind]);
    } else {
      const message = wire((await commit(proposals[kind])).commit);
      run = () => process(message);
    }

    return;
  }

  const payload = new Uint8Array(100);
  if (workload === "Encrypt") {
    run = () => createApplicationMessage(aliceState, payload, cs);
  } else if (workload === "Decrypt") {
    const message = wire({ version: "mls10", wireformat: "mls_private_message", privateMessage: (await createApplicationMessage(aliceState, payload, cs)).privateMessage });
    run = () => process(message);
  } else {
    throw new Error("unknown workload " + workload);
  }
}

const methods = {
  Setup: async (p) => { await setup(p); return {}; },
  Run: async () => { await run(); return {}; },
};

const queue = [];
let busy = false;
async function drain() {
  if (busy) return;
  busy = true;
  while (queue.length) {
    const request = JSON.parse(queue.shift());
    try {
      const result = await methods[request.method](request.params ?? {});
      process.stdout.write(JSON.stringify({ id: request.id, result }) + "\n");
    } catch (e) {
      process.stdout.write(JSON.stringify({ id: request.id, error: String(e?.stack ?? e) }) + "\n");
    }
  }
  busy = false;
}
createInterface({ input: process.stdin, crlfDelay: Infinity }).on("line", (line) => {
  if (line.trim()) {
    queue.push(line);
    drain();
  }
});
