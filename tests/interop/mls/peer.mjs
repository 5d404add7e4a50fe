#!/usr/bin/env node
// Sotto's ts-mls 1.6.4 peer for live MLS (RFC 9420) interop tests.
//
// Protocol: JSON lines over stdin/stdout, processed strictly in order (MLS state is order-sensitive).
//   request : {"id": <any>, "method": "<Name>", "params": {...}}
//   response: {"id": <same>, "result": {...}}  or  {"id": <same>, "error": "<message>"}
// Bytes are lowercase hex. key_package, welcome, group_info, commit, proposal and ciphertext are MLSMessage TLS
// bytes; ratchet_tree is the raw optional<Node> ratchet_tree<V>. Method and field names follow mlswg's
// mls_client.proto: Name, SupportedCiphersuites, CreateGroup, CreateKeyPackage, JoinGroup, ExternalJoin, GroupInfo,
// StateAuth, Export, Protect, Unprotect, StorePSK, AddProposal, RemoveProposal, ExternalPSKProposal,
// GroupContextExtensionsProposal, Commit, HandleCommit, HandlePendingCommit, Free, and the extras EpochInfo,
// Members and Ping. tools/Sotto.MlsPeer speaks the same protocol, so one harness drives either implementation.
//
// Commit results stay pending until HandlePendingCommit (the Delivery Service's acknowledgement). Identities are
// BasicCredential bytes; RemoveProposal and by-value removes name the member by identity (removed_id).
//
// Run: npm ci && node peer.mjs
import { createInterface } from "node:readline";
import {
  acceptAll, ciphersuites, createApplicationMessage, createCommit, createGroup, createGroupInfoWithExternalPub,
  createGroupInfoWithExternalPubAndRatchetTree, createProposal, decodeMlsMessage, defaultCapabilities, defaultLifetime,
  encodeMlsMessage, generateKeyPackage, getCiphersuiteImpl, joinGroup, joinGroupExternal, makePskIndex, mlsExporter,
  processMessage,
} from "ts-mls";
import { getCiphersuiteFromId } from "ts-mls/crypto/ciphersuite.js";
import { decodeRatchetTree, encodeRatchetTree } from "ts-mls/ratchetTree.js";

const fromHex = (h) => Uint8Array.from(Buffer.from(h ?? "", "hex"));
const toHex = (b) => Buffer.from(b ?? []).toString("hex");
const sameBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

function mlsMessage(hex, wireformat) {
  const decoded = decodeMlsMessage(fromHex(hex), 0);
  if (!decoded) throw new Error("cannot decode MLSMessage");
  if (wireformat && decoded[0].wireformat !== wireformat) throw new Error(`expected ${wireformat}, got ${decoded[0].wireformat}`);
  return decoded[0];
}
const frame = (wireformat, field, value) => toHex(encodeMlsMessage({ version: "mls10", wireformat, [field]: value }));
const tree = (hex) => (hex ? decodeRatchetTree(fromHex(hex), 0)[0] : undefined);

const suites = new Map();
async function suite(id) {
  if (!suites.has(id)) suites.set(id, await getCiphersuiteImpl(getCiphersuiteFromId(id)));
  return suites.get(id);
}

// Ids are shared by key-package transactions and group states (StorePSK takes either).
let nextId = 1;
const transactions = new Map(); // id -> { kp, suiteId, psks }
const states = new Map(); // id -> { state, cs, suiteId, encrypt, pending, psks }

function stateOf(p) {
  const s = states.get(p.state_id);
  if (!s) throw new Error("unknown state_id " + p.state_id);
  return s;
}
const authenticator = (state) => toHex(state.keySchedule.epochAuthenticator);
const keyPackageFor = async (suiteId, identity) =>
  generateKeyPackage({ credentialType: "basic", identity }, defaultCapabilities(), defaultLifetime, [], await suite(suiteId));

function leafOf(state, identity) {
  for (let i = 0; i < state.ratchetTree.length; i += 2) {
    const node = state.ratchetTree[i];
    if (node?.nodeType === "leaf" && node.leaf.credential.credentialType === "basic" && sameBytes(node.leaf.credential.identity, identity)) return i / 2;
  }
  throw new Error("no member with that identity");
}

function proposal(description, s) {
  const type = Buffer.from(fromHex(description.proposal_type)).toString();
  switch (type) {
    case "add":
      return { proposalType: "add", add: { keyPackage: mlsMessage(description.key_package, "mls_key_package").keyPackage } };
    case "remove":
      return { proposalType: "remove", remove: { removed: leafOf(s.state, fromHex(description.removed_id)) } };
    case "externalPSK":
      return { proposalType: "psk", psk: { preSharedKeyId: { psktype: "external", pskId: fromHex(description.psk_id), pskNonce: crypto.getRandomValues(new Uint8Array(s.cs.kdf.size)) } } };
    case "groupContextExtensions":
      return { proposalType: "group_context_extensions", groupContextExtensions: { extensions: (description.extensions ?? []).map((e) => ({ extensionType: e.extension_type, extensionData: fromHex(e.extension_data) })) } };
    default:
      throw new Error("unsupported proposal_type " + type);
  }
}

async function receive(s, hex) {
  const result = await processMessage(mlsMessage(hex), s.state, makePskIndex(s.state, s.psks), acceptAll, s.cs);
  s.state = result.newState;
  return result;
}

async function propose(p, description) {
  const s = stateOf(p);
  const r = await createProposal(s.state, !s.encrypt, proposal(description, s), s.cs);
  s.state = r.newState;
  return { proposal: toHex(encodeMlsMessage(r.message)) };
}

const methods = {
  Ping: async () => ({}),
  Name: async () => ({ name: "ts-mls 1.6.4 (Sotto tests/interop/mls/peer.mjs)" }),
  SupportedCiphersuites: async () => ({ ciphersuites: [1, 2, 3, 5, 7] }),

  async CreateGroup(p) {
    const suiteId = p.cipher_suite ?? 1;
    const cs = await suite(suiteId);
    const kp = await keyPackageFor(suiteId, fromHex(p.identity));
    const state = await createGroup(fromHex(p.group_id), kp.publicPackage, kp.privatePackage, [], cs);
    const id = nextId++;
    states.set(id, { state, cs, suiteId, encrypt: !!p.encrypt_handshake, pending: null, psks: {} });
    return { state_id: id };
  },

  async CreateKeyPackage(p) {
    const suiteId = p.cipher_suite ?? 1;
    const kp = await keyPackageFor(suiteId, fromHex(p.identity));
    const id = nextId++;
    transactions.set(id, { kp, suiteId, psks: {} });
    return {
      transaction_id: id,
      key_package: frame("mls_key_package", "keyPackage", kp.publicPackage),
      init_priv: toHex(kp.privatePackage.initPrivateKey),
      encryption_priv: toHex(kp.privatePackage.hpkePrivateKey),
      signature_priv: toHex(kp.privatePackage.signaturePrivateKey),
    };
  },

  async JoinGroup(p) {
    const tx = transactions.get(p.transaction_id);
    if (!tx) throw new Error("unknown transaction_id");
    const cs = await suite(tx.suiteId);
    const welcome = mlsMessage(p.welcome, "mls_welcome").welcome;
    const state = await joinGroup(welcome, tx.kp.publicPackage, tx.kp.privatePackage, makePskIndex(undefined, tx.psks), cs, tree(p.ratchet_tree));
    const id = nextId++;
    states.set(id, { state, cs, suiteId: tx.suiteId, encrypt: !!p.encrypt_handshake, pending: null, psks: tx.psks });
    return { state_id: id, epoch_authenticator: authenticator(state) };
  },

  async ExternalJoin(p) {
    const groupInfo = mlsMessage(p.group_info, "mls_group_info").groupInfo;
    const suiteId = ciphersuites[groupInfo.groupContext.cipherSuite] ?? groupInfo.groupContext.cipherSuite;
    const cs = await suite(suiteId);
    const kp = await keyPackageFor(suiteId, fromHex(p.identity));
    const r = await joinGroupExternal(groupInfo, kp.publicPackage, kp.privatePackage, !!p.remove_prior, cs, tree(p.ratchet_tree));
    const id = nextId++;
    states.set(id, { state: r.newState, cs, suiteId, encrypt: !!p.encrypt_handshake, pending: null, psks: {} });
    return { state_id: id, commit: frame("mls_public_message", "publicMessage", r.publicMessage), epoch_authenticator: authenticator(r.newState) };
  },

  async GroupInfo(p) {
    const s = stateOf(p);
    const info = p.external_tree
      ? await createGroupInfoWithExternalPub(s.state, [], s.cs)
      : await createGroupInfoWithExternalPubAndRatchetTree(s.state, [], s.cs);
    return { group_info: frame("mls_group_info", "groupInfo", info), ratchet_tree: p.external_tree ? toHex(encodeRatchetTree(s.state.ratchetTree)) : "" };
  },

  StateAuth: async (p) => ({ state_auth_secret: authenticator(stateOf(p).state) }),

  async Export(p) {
    const s = stateOf(p);
    return { exported_secret: toHex(await mlsExporter(s.state.keySchedule.exporterSecret, p.label, fromHex(p.context), p.key_length, s.cs)) };
  },

  async Protect(p) {
    const s = stateOf(p);
    const r = await createApplicationMessage(s.state, fromHex(p.plaintext ?? p.application_data), s.cs, fromHex(p.authenticated_data));
    s.state = r.newState;
    return { ciphertext: frame("mls_private_message", "privateMessage", r.privateMessage) };
  },

  async Unprotect(p) {
    const s = stateOf(p);
    const message = mlsMessage(p.ciphertext, "mls_private_message");
    const r = await receive(s, p.ciphertext);
    if (r.kind !== "applicationMessage") throw new Error("not an application message");
    return { authenticated_data: toHex(message.privateMessage.authenticatedData), plaintext: toHex(r.message) };
  },

  async StorePSK(p) {
    const holder = states.get(p.state_or_transaction_id) ?? transactions.get(p.state_or_transaction_id);
    if (!holder) throw new Error("unknown id");
    holder.psks[Buffer.from(fromHex(p.psk_id)).toString("base64")] = fromHex(p.psk_secret);
    return {};
  },

  AddProposal: (p) => propose(p, { proposal_type: toHex(Buffer.from("add")), key_package: p.key_package }),
  RemoveProposal: (p) => propose(p, { proposal_type: toHex(Buffer.from("remove")), removed_id: p.removed_id }),
  ExternalPSKProposal: (p) => propose(p, { proposal_type: toHex(Buffer.from("externalPSK")), psk_id: p.psk_id }),
  GroupContextExtensionsProposal: (p) => propose(p, { proposal_type: toHex(Buffer.from("groupContextExtensions")), extensions: p.extensions }),

  async Commit(p) {
    const s = stateOf(p);
    for (const hex of p.by_reference ?? []) await receive(s, hex);
    const extraProposals = (p.by_value ?? []).map((d) => proposal(d, s));
    const r = await createCommit(
      { state: s.state, cipherSuite: s.cs, pskIndex: makePskIndex(s.state, s.psks) },
      { extraProposals, wireAsPublicMessage: !s.encrypt, ratchetTreeExtension: !p.external_tree },
    );
    s.pending = r.newState;
    return {
      commit: toHex(encodeMlsMessage(r.commit)),
      welcome: r.welcome ? frame("mls_welcome", "welcome", r.welcome) : "",
      ratchet_tree: p.external_tree ? toHex(encodeRatchetTree(r.newState.ratchetTree)) : "",
    };
  },

  async HandleCommit(p) {
    const s = stateOf(p);
    for (const hex of p.proposal ?? []) await receive(s, hex);
    const r = await receive(s, p.commit);
    if (r.kind !== "newState") throw new Error("message was not a commit");
    s.pending = null;
    const removed = s.state.groupActiveState?.kind === "removedFromGroup";
    return { state_id: p.state_id, epoch_authenticator: authenticator(s.state), removed };
  },

  async HandlePendingCommit(p) {
    const s = stateOf(p);
    if (!s.pending) throw new Error("no pending commit");
    s.state = s.pending;
    s.pending = null;
    return { state_id: p.state_id, epoch_authenticator: authenticator(s.state) };
  },

  async Free(p) {
    states.delete(p.state_id);
    return {};
  },

  async EpochInfo(p) {
    const s = stateOf(p);
    const gc = s.state.groupContext;
    return {
      epoch: Number(gc.epoch), group_id: toHex(gc.groupId), cipher_suite: s.suiteId, tree_hash: toHex(gc.treeHash),
      confirmed_transcript_hash: toHex(gc.confirmedTranscriptHash), epoch_authenticator: authenticator(s.state),
      own_leaf_index: s.state.privatePath.leafIndex, ratchet_tree: toHex(encodeRatchetTree(s.state.ratchetTree)),
      active: s.state.groupActiveState?.kind ?? "active",
    };
  },

  async Members(p) {
    const t = stateOf(p).state.ratchetTree;
    const members = [];
    for (let i = 0; i < t.length; i += 2) if (t[i]) members.push({ leaf_index: i / 2, identity: toHex(t[i].leaf.credential.identity) });
    return { members };
  },
};

// One request at a time, in arrival order.
const queue = [];
let running = false;
async function drain() {
  if (running) return;
  running = true;
  while (queue.length) {
    const line = queue.shift();
    let request;
    try {
      request = JSON.parse(line);
    } catch {
      process.stdout.write(JSON.stringify({ id: null, error: "bad json" }) + "\n");
      continue;
    }
    try {
      const method = methods[request.method];
      if (!method) throw new Error("unknown method " + request.method);
      const result = await method(request.params ?? {});
      process.stdout.write(JSON.stringify({ id: request.id, result }, (_, v) => (typeof v === "bigint" ? Number(v) : v)) + "\n");
    } catch (e) {
      process.stdout.write(JSON.stringify({ id: request.id, error: String(e?.message ?? e) }) + "\n");
    }
  }
  running = false;
}
createInterface({ input: process.stdin, crlfDelay: Infinity }).on("line", (line) => {
  if (line.trim()) {
    queue.push(line);
    drain();
  }
});
