namespace Sotto.Protocol;

/// <summary>
/// What a device publishes so that others can start sessions with it without a round trip (libsignal
/// <c>PreKeyBundle</c>): its identity key and registration id, a signed EC prekey, optionally a one-time EC
/// prekey, and a signed Kyber1024 prekey (mandatory since PQXDH). Public keys only; the server hands it out.
/// </summary>
/// <remarks>
/// A bundle is peer input: <see cref="SessionCipher.ProcessPreKeyBundleAsync"/> verifies both signatures against
/// <see cref="IdentityKey"/> before using it. The constructor only checks that the caller passed a complete bundle.
/// </remarks>
public sealed class PreKeyBundle
{
    public PreKeyBundle(
        uint registrationId,
        DeviceId deviceId,
        PreKeyId? preKeyId,
        ECPublicKey? preKeyPublic,
        SignedPreKeyId signedPreKeyId,
        ECPublicKey signedPreKeyPublic,
        ReadOnlySpan<byte> signedPreKeySignature,
        IdentityKey identityKey,
        KyberPreKeyId kyberPreKeyId,
        KemPublicKey kyberPreKeyPublic,
        ReadOnlySpan<byte> kyberPreKeySignature)
    {
        ArgumentNullException.ThrowIfNull(signedPreKeyPublic);
        ArgumentNullException.ThrowIfNull(identityKey);
        ArgumentNullException.ThrowIfNull(kyberPreKeyPublic);
        if (preKeyId.HasValue != (preKeyPublic is not null))
        {
            ThrowHelper.ThrowArgument(nameof(preKeyPublic), "A one-time prekey needs both its id and its public key.");
        }

        RegistrationId = registrationId;
        DeviceId = deviceId;
        PreKeyId = preKeyId;
        PreKeyPublic = preKeyPublic;
        SignedPreKeyId = signedPreKeyId;
        SignedPreKeyPublic = signedPreKeyPublic;
        SignedPreKeySignature = signedPreKeySignature.ToArray();
        IdentityKey = identityKey;
        KyberPreKeyId = kyberPreKeyId;
        KyberPreKeyPublic = kyberPreKeyPublic;
        KyberPreKeySignature = kyberPreKeySignature.ToArray();
    }

    public uint RegistrationId { get; }

    public DeviceId DeviceId { get; }

    public PreKeyId? PreKeyId { get; }

    public ECPublicKey? PreKeyPublic { get; }

    public SignedPreKeyId SignedPreKeyId { get; }

    public ECPublicKey SignedPreKeyPublic { get; }

    public ReadOnlyMemory<byte> SignedPreKeySignature { get; }

    public IdentityKey IdentityKey { get; }

    public KyberPreKeyId KyberPreKeyId { get; }

    public KemPublicKey KyberPreKeyPublic { get; }

    public ReadOnlyMemory<byte> KyberPreKeySignature { get; }
}
