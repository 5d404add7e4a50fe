namespace Sotto.Protocol;

/// <summary>
/// The stable code carried by every <see cref="ProtocolException"/>: what was wrong with the peer's input or with
/// the state it met (libsignal <c>src/error.rs</c> <c>SignalProtocolError</c>, flattened to codes an SDK can
/// switch on and persist).
/// </summary>
/// <remarks>
/// Values are explicit and only ever appended; never renumber or reuse one (ProtocolErrorStabilityTests guards
/// this, after Garnet's <c>PersistedEnumStabilityTests</c>).
/// </remarks>
public enum ProtocolError
{
    /// <summary>Malformed bytes: bad protobuf, a missing required field, a field of the wrong length, too short.</summary>
    InvalidEncoding = 1,

    /// <summary>The input exceeds <see cref="ProtocolLimits.MaxMessageLength"/> (or another bound) and was not parsed.</summary>
    MessageTooLarge = 2,

    /// <summary>A message version below 4: version 3 is X3DH without Kyber, which libsignal 0.103 rejects.</summary>
    LegacyVersion = 3,

    /// <summary>A message version above the one this library speaks (4).</summary>
    UnrecognizedVersion = 4,

    /// <summary>A key's type byte is not the expected one (0x05 for EC keys, 0x08 for Kyber1024 keys).</summary>
    BadKeyType = 5,

    /// <summary>A key has the right type byte but the wrong length.</summary>
    BadKeyLength = 6,

    /// <summary>An X25519 agreement produced the all-zero secret (a low-order peer key).</summary>
    InvalidKeyAgreement = 7,

    /// <summary>An XEdDSA signature (on a signed or Kyber prekey) does not verify.</summary>
    InvalidSignature = 8,

    /// <summary>The peer's identity key differs from the one trusted for its address; accept it through the identity store first.</summary>
    UntrustedIdentity = 9,

    /// <summary>A PreKey message names a one-time EC prekey this device does not have (any more).</summary>
    InvalidPreKeyId = 10,

    /// <summary>A PreKey message names a signed EC prekey this device does not have.</summary>
    InvalidSignedPreKeyId = 11,

    /// <summary>A PreKey message names a Kyber prekey this device does not have (any more).</summary>
    InvalidKyberPreKeyId = 12,

    /// <summary>No session with the address (or only a stale unacknowledged one): process a prekey bundle first.</summary>
    SessionNotFound = 13,

    /// <summary>The message key for this counter was already used: a replayed or duplicated message.</summary>
    DuplicatedMessage = 14,

    /// <summary>The message's MAC does not verify with any candidate session.</summary>
    InvalidMac = 15,

    /// <summary>The MAC verified but the AES-CBC body did not decrypt (bad length or padding).</summary>
    InvalidCiphertext = 16,

    /// <summary>The counter is more than <see cref="ProtocolLimits.MaxForwardJumps"/> ahead of the chain.</summary>
    MessageTooFarInFuture = 17,

    /// <summary>The message lacks the SPQR (<c>pq_ratchet</c>) field, which libsignal 0.100+ requires in every session.</summary>
    MissingPqRatchet = 18,

    /// <summary>The SPQR field is malformed, names an epoch this implementation cannot follow, or reuses an SPQR key.</summary>
    InvalidPqRatchet = 19,

    /// <summary>The message's <c>addresses</c> field names a different sender or recipient.</summary>
    AddressMismatch = 20,

    /// <summary>A PQXDH base key is not canonical (torsioned, on the twist, or out of range).</summary>
    InvalidBaseKey = 21,

    /// <summary>A version-4 PreKey message without a Kyber prekey id and ciphertext.</summary>
    MissingKyberPreKey = 22,

    /// <summary>A last-resort Kyber prekey was used again with a base key seen before (a replayed PreKey message).</summary>
    ReusedBaseKey = 23,

    /// <summary>A stored record (session, prekey, identity) is corrupt.</summary>
    InvalidSessionState = 24,

    /// <summary>A Kyber1024 public key fails the FIPS 203 encapsulation-key check.</summary>
    InvalidKemKey = 25,

    /// <summary>A KEM ciphertext has the wrong type byte or length.</summary>
    InvalidKemCiphertext = 26,

    /// <summary>The record has no current session, and none of its archived sessions decrypts the message.</summary>
    DecryptionFailed = 27,
}
