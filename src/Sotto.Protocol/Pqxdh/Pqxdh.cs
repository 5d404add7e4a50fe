using Sotto.Crypto;

namespace Sotto.Protocol;

/// <summary>
/// PQXDH key agreement (libsignal <c>pqxdh.rs</c>; Signal's PQXDH specification with Kyber1024, round 3):
/// <code>
///   Alice (initiator)                                      Bob (recipient)
///   IKa, EKa (fresh base key)       PreKeyBundle           IKb, SPKb, [OPKb], PQPKb (Kyber1024, signed)
///            ───── verify both XEdDSA signatures by IKb ─────
///   DH1 = X25519(IKa, SPKb)                                DH1 = X25519(SPKb, IKa)
///   DH2 = X25519(EKa, IKb)                                 DH2 = X25519(IKb, EKa)
///   DH3 = X25519(EKa, SPKb)                                DH3 = X25519(SPKb, EKa)
///   DH4 = X25519(EKa, OPKb)   (if a one-time prekey)       DH4 = X25519(OPKb, EKa)
///   (ct, SS) = Encaps(PQPKb)   ─── ct in the PreKey msg ──► SS = Decaps(PQPKb, ct)
///   RK ‖ CK ‖ SPQR auth key = HKDF-SHA256(salt = 0³², 0xFF×32 ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4] ‖ SS,
///                                         "WhisperText_X25519_SHA-256_CRYSTALS-KYBER-1024", 96)
/// </code>
/// The recipient first requires the base key to be canonical (libsignal <c>pqxdh_accept</c>).
/// This type owns only the agreement; the ratchet is set up by <see cref="SessionSetup"/>.
/// </summary>
internal static class Pqxdh
{
    private const int MaxSecretInput = 32 * 5 + Kyber1024.SharedSecretSize;

    private static ReadOnlySpan<byte> Info => "WhisperText_X25519_SHA-256_CRYSTALS-KYBER-1024"u8;

    /// <summary>The initiator's side: returns the serialized Kyber ciphertext and writes the 96 output bytes.</summary>
    internal static byte[] Initiate(
        IdentityKeyPair ourIdentity,
        ReadOnlySpan<byte> ourBasePrivateKey,
        IdentityKey theirIdentity,
        ECPublicKey theirSignedPreKey,
        ECPublicKey? theirOneTimePreKey,
        KemPublicKey theirKyberPreKey,
        IRandom random,
        Span<byte> output)
    {
        Span<byte> secrets = stackalloc byte[MaxSecretInput];
        int length = 0;
        try
        {
            secrets[..32].Fill(0xFF);
            length = 32;
            ECPrivateKey.Agree(ourIdentity.PrivateKey.Span, theirSignedPreKey, secrets.Slice(length, 32));
            length += 32;
            ECPrivateKey.Agree(ourBasePrivateKey, theirIdentity.PublicKey, secrets.Slice(length, 32));
            length += 32;
            ECPrivateKey.Agree(ourBasePrivateKey, theirSignedPreKey, secrets.Slice(length, 32));
            length += 32;
            if (theirOneTimePreKey is not null)
            {
                ECPrivateKey.Agree(ourBasePrivateKey, theirOneTimePreKey, secrets.Slice(length, 32));
                length += 32;
            }

            var ciphertext = theirKyberPreKey.Encapsulate(random, secrets.Slice(length, 32));
            length += 32;
            Kdf.Hkdf(default, secrets[..length], Info, output);
            return ciphertext;
        }
        finally
        {
            Kdf.Zero(secrets);
        }
    }

    /// <summary>The recipient's side: writes the 96 output bytes.</summary>
    /// <exception cref="ProtocolException"><see cref="ProtocolError.InvalidBaseKey"/>, a bad agreement, or a bad ciphertext.</exception>
    internal static void Accept(
        IdentityKeyPair ourIdentity,
        ReadOnlySpan<byte> ourSignedPreKeyPrivate,
        ReadOnlySpan<byte> ourOneTimePreKeyPrivate,
        KemSecretKey ourKyberPreKey,
        IdentityKey theirIdentity,
        ECPublicKey theirBaseKey,
        ReadOnlySpan<byte> kyberCiphertext,
        Span<byte> output)
    {
        if (!theirBaseKey.IsCanonical)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.InvalidBaseKey, "The incoming base key is not canonical.");
        }

        Span<byte> secrets = stackalloc byte[MaxSecretInput];
        int length = 0;
        try
        {
            secrets[..32].Fill(0xFF);
            length = 32;
            ECPrivateKey.Agree(ourSignedPreKeyPrivate, theirIdentity.PublicKey, secrets.Slice(length, 32));
            length += 32;
            ECPrivateKey.Agree(ourIdentity.PrivateKey.Span, theirBaseKey, secrets.Slice(length, 32));
            length += 32;
            ECPrivateKey.Agree(ourSignedPreKeyPrivate, theirBaseKey, secrets.Slice(length, 32));
            length += 32;
            if (!ourOneTimePreKeyPrivate.IsEmpty)
            {
                ECPrivateKey.Agree(ourOneTimePreKeyPrivate, theirBaseKey, secrets.Slice(length, 32));
                length += 32;
            }

            ourKyberPreKey.Decapsulate(kyberCiphertext, secrets.Slice(length, 32));
            length += 32;
            Kdf.Hkdf(default, secrets[..length], Info, output);
        }
        finally
        {
            Kdf.Zero(secrets);
        }
    }
}
