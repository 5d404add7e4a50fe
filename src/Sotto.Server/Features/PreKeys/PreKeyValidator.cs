using Microsoft.Extensions.Options;
using Sotto.Crypto;
using Sotto.Server.Infrastructure;
using Sotto.Server.Storage;
using Sotto.Wire;

namespace Sotto.Server.Features.PreKeys;

/// <summary>
/// Checks uploaded prekeys before anything is stored: key type bytes and lengths (33-byte 0x05 Curve25519 keys,
/// 1569-byte 0x08 Kyber1024 keys, 64-byte signatures), list sizes, distinct key ids, and the XEdDSA signature of every
/// signed key under the account's identity key. Converts them to storage records.
/// </summary>
/// <remarks>
/// Signature verification uses <see cref="XEdDsaVerifyingKey"/> from Sotto.Crypto — public-key-only math; the server holds
/// no private key and cannot decrypt anything (docs/server-api.md, "Why the server references Sotto.Crypto").
/// </remarks>
internal sealed class PreKeyValidator(IOptions<PreKeyOptions> options)
{
    private readonly int _maxOneTime = options.Value.MaxOneTimeKeysPerUpload;

    /// <summary>The identity key of a registration: a 33-byte 0x05 Curve25519 key.</summary>
    public static void CheckIdentityKey(byte[] identityKey)
    {
        if (!KeyFormats.IsEcPublicKey(identityKey))
        {
            Fail.InvalidKey("identityKey must be a 33-byte Curve25519 public key starting with 0x05.");
        }
    }

    public static void CheckRegistrationId(int registrationId)
    {
        if (registrationId is < 1 or > KeyFormats.MaxRegistrationId)
        {
            Fail.Invalid("registrationId must be between 1 and 16383.");
        }
    }

    /// <summary>The keys of a new device: signed prekey and last-resort Kyber key required, one-time lists optional.</summary>
    public PreKeyUpdate ForNewDevice(
        byte[] identityKey,
        SignedEcPreKey? signedPreKey,
        KyberPreKey? lastResort,
        IReadOnlyList<EcPreKey>? preKeys,
        IReadOnlyList<KyberPreKey>? pqPreKeys)
    {
        if (signedPreKey is null)
        {
            Fail.Invalid("signedPreKey is required.");
        }

        if (lastResort is null)
        {
            Fail.Invalid("pqLastResortPreKey is required.");
        }

        return Check(identityKey, signedPreKey, lastResort, preKeys, pqPreKeys);
    }

    /// <summary>An upload to <c>PUT /v1/keys</c>: any subset, but not nothing.</summary>
    public PreKeyUpdate ForUpload(byte[] identityKey, KeyUploadRequest request)
    {
        if (request.SignedPreKey is null && request.PqLastResortPreKey is null && request.PreKeys is null && request.PqPreKeys is null)
        {
            Fail.Invalid("The upload contains no keys: give at least one of signedPreKey, pqLastResortPreKey, preKeys, pqPreKeys.");
        }

        return Check(identityKey, request.SignedPreKey, request.PqLastResortPreKey, request.PreKeys, request.PqPreKeys);
    }

    private PreKeyUpdate Check(
        byte[] identityKey,
        SignedEcPreKey? signedPreKey,
        KyberPreKey? lastResort,
        IReadOnlyList<EcPreKey>? preKeys,
        IReadOnlyList<KyberPreKey>? pqPreKeys)
    {
        // Cheap shape checks of everything first, signatures last.
        if (signedPreKey is not null)
        {
            CheckEc(signedPreKey.PublicKey, "signedPreKey.publicKey");
            CheckSignatureShape(signedPreKey.Signature, "signedPreKey.signature");
        }

        if (lastResort is not null)
        {
            CheckKyber(lastResort.PublicKey, "pqLastResortPreKey.publicKey");
            CheckSignatureShape(lastResort.Signature, "pqLastResortPreKey.signature");
        }

        if (preKeys is not null)
        {
            CheckCount(preKeys.Count, "preKeys");
            var ids = new HashSet<uint>();
            for (int i = 0; i < preKeys.Count; i++)
            {
                var key = preKeys[i] ?? throw NullElement("preKeys", i);
                CheckEc(key.PublicKey, $"preKeys[{i}].publicKey");
                if (!ids.Add(key.KeyId))
                {
                    Fail.Invalid($"preKeys[{i}].keyId repeats an earlier key id.");
                }
            }
        }

        if (pqPreKeys is not null)
        {
            CheckCount(pqPreKeys.Count, "pqPreKeys");
            var ids = new HashSet<uint>();
            for (int i = 0; i < pqPreKeys.Count; i++)
            {
                var key = pqPreKeys[i] ?? throw NullElement("pqPreKeys", i);
                CheckKyber(key.PublicKey, $"pqPreKeys[{i}].publicKey");
                CheckSignatureShape(key.Signature, $"pqPreKeys[{i}].signature");
                if (!ids.Add(key.KeyId))
                {
                    Fail.Invalid($"pqPreKeys[{i}].keyId repeats an earlier key id.");
                }
            }
        }

        // One identity key verifies every signature of the upload: convert it to Edwards form once.
        // (A stored identity key always has 33 bytes; anything else verifies nothing, as XEdDsa.Verify would say.)
        var identity = identityKey.Length == 33 ? new XEdDsaVerifyingKey(identityKey.AsSpan(1)) : null;
        if (signedPreKey is not null && identity?.Verify(signedPreKey.PublicKey, signedPreKey.Signature) != true)
        {
            Fail.InvalidSignature("signedPreKey.signature does not verify under the account's identity key.");
        }

        if (lastResort is not null && identity?.Verify(lastResort.PublicKey, lastResort.Signature) != true)
        {
            Fail.InvalidSignature("pqLastResortPreKey.signature does not verify under the account's identity key.");
        }

        if (pqPreKeys is not null)
        {
            for (int i = 0; i < pqPreKeys.Count; i++)
            {
                if (identity?.Verify(pqPreKeys[i].PublicKey, pqPreKeys[i].Signature) != true)
                {
                    Fail.InvalidSignature($"pqPreKeys[{i}].signature does not verify under the account's identity key.");
                }
            }
        }

        return new PreKeyUpdate(
            signedPreKey is null ? null : new SignedPreKeyRecord(signedPreKey.KeyId, signedPreKey.PublicKey, signedPreKey.Signature),
            lastResort is null ? null : new KyberPreKeyRecord(lastResort.KeyId, lastResort.PublicKey, lastResort.Signature),
            preKeys?.Select(k => new EcPreKeyRecord(k.KeyId, k.PublicKey)).ToArray(),
            pqPreKeys?.Select(k => new KyberPreKeyRecord(k.KeyId, k.PublicKey, k.Signature)).ToArray());
    }

    private void CheckCount(int count, string field)
    {
        if (count > _maxOneTime)
        {
            Fail.Invalid($"{field} holds {count} keys; at most {_maxOneTime} are accepted per upload.");
        }
    }

    private static void CheckEc(byte[] key, string field)
    {
        if (!KeyFormats.IsEcPublicKey(key))
        {
            Fail.InvalidKey($"{field} must be a 33-byte Curve25519 public key starting with 0x05.");
        }
    }

    private static void CheckKyber(byte[] key, string field)
    {
        if (!KeyFormats.IsKyberPublicKey(key))
        {
            Fail.InvalidKey($"{field} must be a 1569-byte Kyber1024 public key starting with 0x08.");
        }
    }

    private static void CheckSignatureShape(byte[] signature, string field)
    {
        if (signature.Length != KeyFormats.SignatureSize)
        {
            Fail.InvalidSignature($"{field} must be a 64-byte XEdDSA signature.");
        }
    }

    private static ApiException NullElement(string field, int index) =>
        new(StatusCodes.Status400BadRequest, ProblemCodes.MalformedRequest, $"{field}[{index}] is null.");
}
