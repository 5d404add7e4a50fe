using System.Security.Cryptography;

namespace Sotto.Crypto;

/// <summary>
/// A fixed-size secret held in a pinned array that is zeroed when disposed (after NSec <c>SharedSecret</c>).
/// The typed secrets of the protocol layers (root keys, chain keys, epoch secrets …) own one of these.
/// </summary>
/// <remarks>
/// Ownership: the instance owns its buffer; <see cref="Span"/> must not be used after <see cref="Dispose"/>.
/// After <see cref="Dispose"/> every member but <see cref="Length"/> throws <see cref="ObjectDisposedException"/>.
/// A secret that is never disposed is zeroed by its finalizer (NSec's secure handles do the same), so a
/// forgotten <c>using</c> costs time in memory, not the secret's lifetime.
/// Two secrets compare in constant time through <see cref="FixedTimeEquals"/>.
/// </remarks>
public sealed class SecretBytes : IDisposable
{
    private readonly byte[] _bytes;
    private bool _disposed;

    /// <summary>Allocates a zero-filled secret of <paramref name="length"/> bytes.</summary>
    public SecretBytes(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _bytes = GC.AllocateArray<byte>(length, pinned: true);
    }

    /// <summary>Copies <paramref name="value"/> into a new secret.</summary>
    public SecretBytes(ReadOnlySpan<byte> value)
        : this(value.Length)
    {
        value.CopyTo(_bytes);
    }

    /// <summary>The secret's length in bytes.</summary>
    public int Length => _bytes.Length;

    /// <summary>The secret's bytes; valid until <see cref="Dispose"/>.</summary>
    public Span<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _bytes;
        }
    }

    /// <summary>Fills a new secret of <paramref name="length"/> bytes from <paramref name="random"/>.</summary>
    public static SecretBytes Random(IRandom random, int length)
    {
        ArgumentNullException.ThrowIfNull(random);
        var secret = new SecretBytes(length);
        random.Fill(secret._bytes);
        return secret;
    }

    /// <summary>Compares two secrets in time independent of their contents.</summary>
    public bool FixedTimeEquals(ReadOnlySpan<byte> other) => CryptographicOperations.FixedTimeEquals(Span, other);

    /// <summary>Copies the secret into a new secret.</summary>
    public SecretBytes Clone() => new(Span);

    /// <summary>Zeroes the secret; later use throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            CryptographicOperations.ZeroMemory(_bytes);
            _disposed = true;
            GC.SuppressFinalize(this);
        }
    }

    ~SecretBytes() => CryptographicOperations.ZeroMemory(_bytes);
}
