namespace Sotto.Crypto;

/// <summary>
/// An X25519 public key prepared for XEdDSA verification: the Montgomery-to-Edwards conversion
/// y = (u − 1)/(u + 1), a field inversion, is done once, so that each <see cref="Verify"/> is a plain Ed25519
/// verification. Results are identical to <see cref="XEdDsa.Verify"/>'s. Immutable and thread-safe; holds only
/// public data.
/// </summary>
public sealed class XEdDsaVerifyingKey
{
    private readonly byte[]? _edwardsY; // null for u = −1, which has no Edwards image: nothing verifies

    /// <summary>Prepares the 32-byte u-coordinate <paramref name="publicKey"/>.</summary>
    public XEdDsaVerifyingKey(ReadOnlySpan<byte> publicKey)
    {
        Error.CheckLength(publicKey, X25519.KeySize, nameof(publicKey));
        var edwardsY = new byte[32];
        _edwardsY = XEdDsa.TryConvertPublicKey(publicKey, edwardsY) ? edwardsY : null;
    }

    /// <summary>
    /// Verifies an XEdDSA signature over <paramref name="message"/>. A wrong-sized signature returns
    /// <see langword="false"/>: it is peer input.
    /// </summary>
    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        _edwardsY is not null && XEdDsa.VerifyConverted(_edwardsY, message, signature);
}
