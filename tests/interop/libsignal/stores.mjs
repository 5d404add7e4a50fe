// libsignal store implementations backed by plain Maps of serialized records, so that the whole state of a peer
// can be written to and read from one JSON file. Trust is strict trust-on-first-use, like Sotto's in-memory store.
import * as S from '@signalapp/libsignal-client';

export const toHex = (bytes) => Buffer.from(bytes).toString('hex');
export const fromHex = (hex) => new Uint8Array(Buffer.from(hex, 'hex'));
const key = (address) => `${address.name()}.${address.deviceId()}`;

export class PeerState {
  constructor({ identity, registrationId, self = null, nextId = 1, maps = {} }) {
    this.identity = identity; // S.IdentityKeyPair
    this.registrationId = registrationId;
    this.self = self; // { name, deviceId }
    this.nextId = nextId;
    this.maps = {};
    for (const name of ['sessions', 'identities', 'preKeys', 'signedPreKeys', 'kyberPreKeys', 'lastResortKyber']) {
      this.maps[name] = new Map(Object.entries(maps[name] ?? {}));
    }
    this.sessionStore = new SessionStore(this.maps.sessions);
    this.identityStore = new IdentityStore(this);
    this.preKeyStore = new PreKeyStore(this.maps.preKeys);
    this.signedPreKeyStore = new SignedPreKeyStore(this.maps.signedPreKeys);
    this.kyberPreKeyStore = new KyberPreKeyStore(this.maps.kyberPreKeys, this.maps.lastResortKyber);
  }

  static fresh(self, registrationId) {
    return new PeerState({ identity: S.IdentityKeyPair.generate(), registrationId, self });
  }

  toJSON() {
    const maps = {};
    for (const [name, map] of Object.entries(this.maps)) maps[name] = Object.fromEntries(map);
    return { identity: toHex(this.identity.serialize()), registrationId: this.registrationId, self: this.self, nextId: this.nextId, maps };
  }

  static fromJSON(json) {
    return new PeerState({ ...json, identity: S.IdentityKeyPair.deserialize(fromHex(json.identity)) });
  }
}

class SessionStore extends S.SessionStore {
  constructor(map) { super(); this.map = map; }
  async saveSession(address, record) { this.map.set(key(address), toHex(record.serialize())); }
  async getSession(address) {
    const hex = this.map.get(key(address));
    return hex ? S.SessionRecord.deserialize(fromHex(hex)) : null;
  }
  async getExistingSessions(addresses) {
    return Promise.all(addresses.map(async (a) => {
      const record = await this.getSession(a);
      if (!record) throw new Error(`no session for ${key(a)}`);
      return record;
    }));
  }
}

class IdentityStore extends S.IdentityKeyStore {
  constructor(state) { super(); this.state = state; }
  async getIdentityKey() { return this.state.identity.privateKey; }
  async getLocalRegistrationId() { return this.state.registrationId; }
  async saveIdentity(address, publicKey) {
    const map = this.state.maps.identities;
    const previous = map.get(key(address));
    const hex = toHex(publicKey.serialize());
    map.set(key(address), hex);
    return previous !== undefined && previous !== hex ? S.IdentityChange.ReplacedExisting : S.IdentityChange.NewOrUnchanged;
  }
  async isTrustedIdentity(address, publicKey) {
    const known = this.state.maps.identities.get(key(address));
    return known === undefined || known === toHex(publicKey.serialize());
  }
  async getIdentity(address) {
    const hex = this.state.maps.identities.get(key(address));
    return hex ? S.PublicKey.deserialize(fromHex(hex)) : null;
  }
}

class PreKeyStore extends S.PreKeyStore {
  constructor(map) { super(); this.map = map; }
  async savePreKey(id, record) { this.map.set(String(id), toHex(record.serialize())); }
  async getPreKey(id) {
    const hex = this.map.get(String(id));
    if (!hex) throw new Error(`no prekey ${id}`);
    return S.PreKeyRecord.deserialize(fromHex(hex));
  }
  async removePreKey(id) { this.map.delete(String(id)); }
}

class SignedPreKeyStore extends S.SignedPreKeyStore {
  constructor(map) { super(); this.map = map; }
  async saveSignedPreKey(id, record) { this.map.set(String(id), toHex(record.serialize())); }
  async getSignedPreKey(id) {
    const hex = this.map.get(String(id));
    if (!hex) throw new Error(`no signed prekey ${id}`);
    return S.SignedPreKeyRecord.deserialize(fromHex(hex));
  }
}

// One-time Kyber prekeys are removed once used; last-resort ones stay (ids listed in lastResort).
class KyberPreKeyStore extends S.KyberPreKeyStore {
  constructor(map, lastResort) { super(); this.map = map; this.lastResort = lastResort; }
  async saveKyberPreKey(id, record) { this.map.set(String(id), toHex(record.serialize())); }
  async getKyberPreKey(id) {
    const hex = this.map.get(String(id));
    if (!hex) throw new Error(`no kyber prekey ${id}`);
    return S.KyberPreKeyRecord.deserialize(fromHex(hex));
  }
  async markKyberPreKeyUsed(id) {
    if (!this.lastResort.has(String(id))) this.map.delete(String(id));
  }
}
