#!/usr/bin/env node
// Sotto's libsignal 0.103.0 peer for live interop tests: newline-delimited JSON over stdin/stdout.
//
//   node peer.mjs serve --state FILE
//
// One request per line: {"id": n, "cmd": "...", ...fields}; one response per line: {"id": n, "ok": true, ...} or
// {"id": n, "ok": false, "error": "...", "code": "..."}. All bytes are lowercase hex. The state (identity, prekeys,
// sessions, trusted identities) is written to FILE after every command. tools/Sotto.InteropPeer speaks the same
// protocol, so one harness drives either.
//
//   init            {name, deviceId, registrationId?}                           -> {identityKey, registrationId}
//   identity        {}                                                          -> {name, deviceId, registrationId, identityKey}
//   bundle          {preKeyId?, signedPreKeyId?, kyberPreKeyId?, oneTime?, lastResort?} -> PreKeyBundle fields
//   process-bundle  {remote: {name, deviceId}, bundle}                          -> {}
//   encrypt         {remote, plaintextHex | plaintext}                          -> {type: 2|3, ciphertextHex}
//   decrypt         {remote, type: 2|3, ciphertextHex}                          -> {plaintextHex, plaintext}
//   safety-number   {remote}                 (version 2, 5200 iterations, ServiceId binary ids) -> {safetyNumber, scannableHex}
//   kem-keygen      {kyberPreKeyId}          (a new Kyber1024 prekey, stored)   -> {publicKeyHex, recordHex}
//   kem-import      {kyberPreKeyId, recordHex} (another library's Kyber prekey record, stored) -> {publicKeyHex, secretKeyHex}
import * as S from '@signalapp/libsignal-client';
import { readFileSync, writeFileSync, existsSync, renameSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { randomInt } from 'node:crypto';
import { PeerState, toHex, fromHex } from './stores.mjs';

const args = process.argv.slice(2);
const statePath = args[args.indexOf('--state') + 1];
if (args[0] !== 'serve' || args.indexOf('--state') < 0 || !statePath) {
  process.stderr.write('usage: node peer.mjs serve --state FILE\n');
  process.exit(2);
}

const load = () => (existsSync(statePath) ? PeerState.fromJSON(JSON.parse(readFileSync(statePath, 'utf8'))) : null);
function save(state) {
  writeFileSync(statePath + '.tmp', JSON.stringify(state));
  renameSync(statePath + '.tmp', statePath);
}

const address = (a) => S.ProtocolAddress.new(a.name, a.deviceId ?? 1);
const plaintextOf = (r) => (r.plaintextHex !== undefined ? fromHex(r.plaintextHex) : new Uint8Array(Buffer.from(r.plaintext ?? '', 'utf8')));
const serviceIdBinary = (name) => S.ServiceId.parseFromServiceIdString(name).getServiceIdBinary();

function bundleJson(b) {
  return {
    registrationId: b.registrationId(),
    deviceId: b.deviceId(),
    preKeyId: b.preKeyId(),
    preKeyPublic: b.preKeyPublic() ? toHex(b.preKeyPublic().serialize()) : null,
    signedPreKeyId: b.signedPreKeyId(),
    signedPreKeyPublic: toHex(b.signedPreKeyPublic().serialize()),
    signedPreKeySignature: toHex(b.signedPreKeySignature()),
    identityKey: toHex(b.identityKey().serialize()),
    kyberPreKeyId: b.kyberPreKeyId(),
    kyberPreKeyPublic: toHex(b.kyberPreKeyPublic().serialize()),
    kyberPreKeySignature: toHex(b.kyberPreKeySignature()),
  };
}

function bundleFromJson(j) {
  return S.PreKeyBundle.new(
    j.registrationId, j.deviceId, j.preKeyId ?? null, j.preKeyPublic ? S.PublicKey.deserialize(fromHex(j.preKeyPublic)) : null,
    j.signedPreKeyId, S.PublicKey.deserialize(fromHex(j.signedPreKeyPublic)), fromHex(j.signedPreKeySignature),
    S.PublicKey.deserialize(fromHex(j.identityKey)), j.kyberPreKeyId, S.KEMPublicKey.deserialize(fromHex(j.kyberPreKeyPublic)),
    fromHex(j.kyberPreKeySignature));
}

async function makeBundle(st, r) {
  const id = () => st.nextId++;
  const signedPreKeyId = r.signedPreKeyId ?? id();
  const now = Date.now();
  const signed = S.PrivateKey.generate();
  const signedSignature = st.identity.privateKey.sign(signed.getPublicKey().serialize());
  await st.signedPreKeyStore.saveSignedPreKey(signedPreKeyId, S.SignedPreKeyRecord.new(signedPreKeyId, now, signed.getPublicKey(), signed, signedSignature));

  let preKeyId = null;
  let preKey = null;
  if (r.oneTime !== false) {
    preKeyId = r.preKeyId ?? id();
    preKey = S.PrivateKey.generate();
    await st.preKeyStore.savePreKey(preKeyId, S.PreKeyRecord.new(preKeyId, preKey.getPublicKey(), preKey));
  }

  const kyberPreKeyId = r.kyberPreKeyId ?? id();
  let kyber = st.maps.kyberPreKeys.has(String(kyberPreKeyId)) ? await st.kyberPreKeyStore.getKyberPreKey(kyberPreKeyId) : null;
  if (!kyber) {
    const pair = S.KEMKeyPair.generate();
    kyber = S.KyberPreKeyRecord.new(kyberPreKeyId, now, pair, st.identity.privateKey.sign(pair.getPublicKey().serialize()));
    await st.kyberPreKeyStore.saveKyberPreKey(kyberPreKeyId, kyber);
  }
  if (r.lastResort) st.maps.lastResortKyber.set(String(kyberPreKeyId), true);

  return S.PreKeyBundle.new(st.registrationId, st.self.deviceId, preKeyId, preKey ? preKey.getPublicKey() : null,
    signedPreKeyId, signed.getPublicKey(), signedSignature, st.identity.publicKey,
    kyberPreKeyId, kyber.publicKey(), kyber.signature());
}

async function handle(st, r) {
  if (r.cmd === 'init') {
    const fresh = PeerState.fresh({ name: r.name, deviceId: r.deviceId ?? 1 }, r.registrationId ?? randomInt(1, 16381));
    return [fresh, { identityKey: toHex(fresh.identity.publicKey.serialize()), registrationId: fresh.registrationId }];
  }
  if (!st) throw new Error('no state: send init first');
  const me = address(st.self);
  switch (r.cmd) {
    case 'identity':
      return [st, { name: st.self.name, deviceId: st.self.deviceId, registrationId: st.registrationId, identityKey: toHex(st.identity.publicKey.serialize()) }];
    case 'bundle':
      return [st, bundleJson(await makeBundle(st, r))];
    case 'process-bundle':
      await S.processPreKeyBundle(bundleFromJson(r.bundle), address(r.remote), me, st.sessionStore, st.identityStore);
      return [st, {}];
    case 'encrypt': {
      const message = await S.signalEncrypt(plaintextOf(r), address(r.remote), me, st.sessionStore, st.identityStore);
      return [st, { type: message.type(), ciphertextHex: toHex(message.serialize()) }];
    }
    case 'decrypt': {
      const bytes = fromHex(r.ciphertextHex);
      const plaintext = r.type === 3
        ? await S.signalDecryptPreKey(S.PreKeySignalMessage.deserialize(bytes), address(r.remote), me, st.sessionStore, st.identityStore, st.preKeyStore, st.signedPreKeyStore, st.kyberPreKeyStore)
        : await S.signalDecrypt(S.SignalMessage.deserialize(bytes), address(r.remote), me, st.sessionStore, st.identityStore);
      return [st, { plaintextHex: toHex(plaintext), plaintext: Buffer.from(plaintext).toString('utf8') }];
    }
    case 'safety-number': {
      const theirs = await st.identityStore.getIdentity(address(r.remote));
      if (!theirs) throw new Error('no identity stored for the remote address');
      const fingerprint = S.Fingerprint.new(5200, 2, serviceIdBinary(st.self.name), st.identity.publicKey, serviceIdBinary(r.remote.name), theirs);
      return [st, { safetyNumber: fingerprint.displayableFingerprint().toString(), scannableHex: toHex(fingerprint.scannableFingerprint().toBuffer()) }];
    }
    case 'kem-keygen': {
      const pair = S.KEMKeyPair.generate();
      const record = S.KyberPreKeyRecord.new(r.kyberPreKeyId, Date.now(), pair, st.identity.privateKey.sign(pair.getPublicKey().serialize()));
      await st.kyberPreKeyStore.saveKyberPreKey(r.kyberPreKeyId, record);
      return [st, { publicKeyHex: toHex(pair.getPublicKey().serialize()), recordHex: toHex(record.serialize()) }];
    }
    case 'kem-import': {
      const record = S.KyberPreKeyRecord.deserialize(fromHex(r.recordHex));
      const publicKey = S.KEMPublicKey.deserialize(record.publicKey().serialize());
      const secretKey = S.KEMSecretKey.deserialize(record.secretKey().serialize());
      // The imported key is re-signed by our identity, so that our bundles can carry it.
      const resigned = S.KyberPreKeyRecord.new(r.kyberPreKeyId, Date.now(), record.keyPair(), st.identity.privateKey.sign(publicKey.serialize()));
      await st.kyberPreKeyStore.saveKyberPreKey(r.kyberPreKeyId, resigned);
      return [st, { publicKeyHex: toHex(publicKey.serialize()), secretKeyHex: toHex(secretKey.serialize()) }];
    }
    default:
      throw new Error(`unknown command ${r.cmd}`);
  }
}

let state = load();
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  let request;
  try {
    request = JSON.parse(line);
  } catch {
    process.stdout.write(JSON.stringify({ ok: false, error: 'bad json' }) + '\n');
    continue;
  }
  let response;
  try {
    const [next, result] = await handle(state, request);
    state = next;
    save(state);
    response = { ok: true, ...result };
  } catch (e) {
    response = { ok: false, error: `${e.constructor?.name ?? 'Error'}: ${e.message}`, code: e.code ?? null };
  }
  if (request.id !== undefined) response.id = request.id;
  process.stdout.write(JSON.stringify(response) + '\n');
}
