#!/usr/bin/env node
// libsignal 0.103.0 through Node: the workloads of bench/Sotto.Benchmarks/Protocol/SessionBenchmarks.cs and
// Crypto/CurveBenchmarks.cs, for bench/protocol-vs-libsignal.sh.
//
//   node bench.mjs [repeats=3]   -> one JSON object on stdout: { name: { opsPerSecond (median), runs: [...] } }
//
// Stores keep live objects in Maps (no serialization), like a client-side cache; every store call still crosses the
// async JS bridge, which is part of what a Node user of libsignal pays. 100-byte plaintexts; 33-byte signed messages.
import * as S from '@signalapp/libsignal-client';
import { randomBytes, randomUUID, randomInt } from 'node:crypto';

const repeats = Number(process.argv[2] ?? 3);
const bytes = (n) => new Uint8Array(randomBytes(n));
const seconds = () => Number(process.hrtime.bigint()) / 1e9;

class Device {
  constructor() {
    this.address = S.ProtocolAddress.new(randomUUID(), 1);
    this.identity = S.IdentityKeyPair.generate();
    this.registrationId = randomInt(1, 16380);
    const self = this;
    const keyOf = (a) => `${a.name()}.${a.deviceId()}`;
    const sessions = new Map(), identities = new Map();
    this.preKeys = new Map(); this.signedPreKeys = new Map(); this.kyberPreKeys = new Map();
    this.sessionStore = new (class extends S.SessionStore {
      async saveSession(a, r) { sessions.set(keyOf(a), r); }
      async getSession(a) { return sessions.get(keyOf(a)) ?? null; }
      async getExistingSessions(as) { return as.map((a) => sessions.get(keyOf(a))); }
    })();
    this.identityStore = new (class extends S.IdentityKeyStore {
      async getIdentityKey() { return self.identity.privateKey; }
      async getLocalRegistrationId() { return self.registrationId; }
      async saveIdentity(a, k) { identities.set(keyOf(a), k); return S.IdentityChange.NewOrUnchanged; }
      async isTrustedIdentity() { return true; }
      async getIdentity(a) { return identities.get(keyOf(a)) ?? null; }
    })();
    this.preKeyStore = new (class extends S.PreKeyStore {
      async savePreKey(id, r) { self.preKeys.set(id, r); }
      async getPreKey(id) { return self.preKeys.get(id); }
      async removePreKey(id) { self.preKeys.delete(id); }
    })();
    this.signedPreKeyStore = new (class extends S.SignedPreKeyStore {
      async saveSignedPreKey(id, r) { self.signedPreKeys.set(id, r); }
      async getSignedPreKey(id) { return self.signedPreKeys.get(id); }
    })();
    this.kyberPreKeyStore = new (class extends S.KyberPreKeyStore {
      async saveKyberPreKey(id, r) { self.kyberPreKeys.set(id, r); }
      async getKyberPreKey(id) { return self.kyberPreKeys.get(id); }
      async markKyberPreKeyUsed(id) { self.kyberPreKeys.delete(id); }
    })();
  }

  bundle(id) {
    const now = Date.now();
    const signed = S.PrivateKey.generate();
    const signedSignature = this.identity.privateKey.sign(signed.getPublicKey().serialize());
    this.signedPreKeys.set(id, S.SignedPreKeyRecord.new(id, now, signed.getPublicKey(), signed, signedSignature));
    const oneTime = S.PrivateKey.generate();
    this.preKeys.set(id, S.PreKeyRecord.new(id, oneTime.getPublicKey(), oneTime));
    const kyber = S.KEMKeyPair.generate();
    const kyberSignature = this.identity.privateKey.sign(kyber.getPublicKey().serialize());
    this.kyberPreKeys.set(id, S.KyberPreKeyRecord.new(id, now, kyber, kyberSignature));
    return S.PreKeyBundle.new(this.registrationId, 1, id, oneTime.getPublicKey(), id, signed.getPublicKey(), signedSignature,
      this.identity.publicKey, id, kyber.getPublicKey(), kyberSignature);
  }
}

// Encrypt, serialize, parse, decrypt: one message over the wire.
async function send(from, to, plaintext) {
  const message = await S.signalEncrypt(plaintext, to.address, from.address, from.sessionStore, from.identityStore);
  const wire = message.serialize();
  return message.type() === S.CiphertextMessageType.PreKey
    ? S.signalDecryptPreKey(S.PreKeySignalMessage.deserialize(wire), from.address, to.address, to.sessionStore, to.identityStore, to.preKeyStore, to.signedPreKeyStore, to.kyberPreKeyStore)
    : S.signalDecrypt(S.SignalMessage.deserialize(wire), from.address, to.address, to.sessionStore, to.identityStore);
}

async function established() {
  const alice = new Device(), bob = new Device();
  await S.processPreKeyBundle(bob.bundle(1), bob.address, alice.address, alice.sessionStore, alice.identityStore);
  await send(alice, bob, bytes(100));
  await send(bob, alice, bytes(100));
  return [alice, bob];
}

const workloads = {
  async oneDirection(n = 4000) {
    const [alice, bob] = await established(); const plaintext = bytes(100);
    const t = seconds(); for (let i = 0; i < n; i++) await send(alice, bob, plaintext); return n / (seconds() - t);
  },
  async pingPong(n = 4000) {
    const [alice, bob] = await established(); const plaintext = bytes(100);
    const t = seconds(); for (let i = 0; i < n; i++) await (i % 2 ? send(bob, alice, plaintext) : send(alice, bob, plaintext)); return n / (seconds() - t);
  },
  async sessionSetup(n = 300) {
    const bob = new Device(); const bundles = Array.from({ length: n }, (_, i) => bob.bundle(i + 1));
    const alices = Array.from({ length: n }, () => new Device()); const plaintext = bytes(100);
    const t = seconds();
    for (let i = 0; i < n; i++) {
      await S.processPreKeyBundle(bundles[i], bob.address, alices[i].address, alices[i].sessionStore, alices[i].identityStore);
      await send(alices[i], bob, plaintext);
    }
    return n / (seconds() - t);
  },
  async xeddsaSign(n = 20000) {
    const key = S.PrivateKey.generate(); const message = bytes(33);
    const t = seconds(); for (let i = 0; i < n; i++) key.sign(message); return n / (seconds() - t);
  },
  async xeddsaVerify(n = 20000) {
    const key = S.PrivateKey.generate(); const message = bytes(33); const signature = key.sign(message); const publicKey = key.getPublicKey();
    const t = seconds(); for (let i = 0; i < n; i++) publicKey.verify(message, signature); return n / (seconds() - t);
  },
  async x25519Agree(n = 20000) {
    const key = S.PrivateKey.generate(); const peer = S.PrivateKey.generate().getPublicKey();
    const t = seconds(); for (let i = 0; i < n; i++) key.agree(peer); return n / (seconds() - t);
  },
};

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const results = {};
for (const [name, run] of Object.entries(workloads)) {
  await run(100); // warm-up
  const runs = [];
  for (let r = 0; r < repeats; r++) runs.push(await run());
  results[name] = { opsPerSecond: median(runs), runs };
  process.stderr.write(`libsignal ${name.padEnd(14)} ${median(runs).toFixed(0).padStart(8)} /s\n`);
}
process.stdout.write(JSON.stringify({ libsignalClient: '0.103.0', node: process.version, results }) + '\n');
