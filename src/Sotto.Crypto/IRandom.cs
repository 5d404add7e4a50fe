namespace Sotto.Crypto;

/// <summary>
/// The source of randomness, injected into every protocol operation that needs it (libsignal passes a
/// <c>csprng</c>; openmls asks its provider's <c>rand()</c>). Production code uses <see cref="SystemRandom"/>;
/// tests use a seeded generator so that runs repeat.
/// </summary>
public interface IRandom
{
    /// <summary>Fills <paramref name="destination"/> with random bytes.</summary>
    void Fill(Span<byte> destination);
}

/// <summary>The operating system's CSPRNG.</summary>
public sealed class SystemRandom : IRandom
{
    /// <summary>The shared instance; it is stateless and thread-safe.</summary>
    public static SystemRandom Instance { get; } = new();

    private SystemRandom()
    {
    }

    /// <inheritdoc />
    public void Fill(Span<byte> destination) => System.Security.Cryptography.RandomNumberGenerator.Fill(destination);
}
