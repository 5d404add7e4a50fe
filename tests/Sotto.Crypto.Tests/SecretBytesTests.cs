using System.Runtime.CompilerServices;
using Sotto.TestSupport;

namespace Sotto.Crypto.Tests;

public sealed class SecretBytesTests
{
    [Fact]
    public void DisposeZeroesTheBuffer()
    {
        var secret = SecretBytes.Random(new SeededRandom(1), 32);
        // A span taken before disposal still points at the pinned buffer, which lets the test look at it.
        Span<byte> view = secret.Span;
        Assert.True(view.ContainsAnyExcept((byte)0));

        secret.Dispose();

        Assert.False(view.ContainsAnyExcept((byte)0));
    }

    [Fact]
    public void DisposedSecretIsUnusable()
    {
        var secret = new SecretBytes([1, 2, 3]);
        secret.Dispose();

        Assert.Throws<ObjectDisposedException>(() => secret.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => secret.FixedTimeEquals([1, 2, 3]));
        Assert.Throws<ObjectDisposedException>(() => secret.Clone());
        Assert.Equal(3, secret.Length);
    }

    [Fact]
    public void DisposeTwiceIsHarmless()
    {
        var secret = new SecretBytes([1, 2, 3]);
        secret.Dispose();
        secret.Dispose();
        Assert.Throws<ObjectDisposedException>(() => secret.Span.Length);
    }

    [Fact]
    public void FinalizerZeroesASecretThatWasNeverDisposed()
    {
        Span<byte> view = CreateAndDrop();

        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.False(view.ContainsAnyExcept((byte)0));
    }

    [Fact]
    public void CloneIsIndependentOfTheOriginal()
    {
        using var original = new SecretBytes([9, 8, 7]);
        var clone = original.Clone();

        clone.Dispose();

        Assert.Equal(new byte[] { 9, 8, 7 }, original.Span.ToArray());
        Assert.True(original.FixedTimeEquals([9, 8, 7]));
    }

    [Fact]
    public void FixedTimeEqualsComparesContentsAndLength()
    {
        using var secret = new SecretBytes([1, 2, 3]);

        Assert.True(secret.FixedTimeEquals([1, 2, 3]));
        Assert.False(secret.FixedTimeEquals([1, 2, 4]));
        Assert.False(secret.FixedTimeEquals([1, 2]));
        Assert.False(secret.FixedTimeEquals([1, 2, 3, 0]));
    }

    [Fact]
    public void NegativeLengthThrows()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SecretBytes(-1));
        Assert.Throws<ArgumentNullException>(() => SecretBytes.Random(null!, 32));
    }

    // The secret is created in a frame the JIT cannot inline, so nothing but the returned span (which keeps the
    // array, not the owner) refers to it once this returns.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Span<byte> CreateAndDrop()
    {
        var secret = SecretBytes.Random(new SeededRandom(2), 64);
        Span<byte> view = secret.Span;
        Assert.True(view.ContainsAnyExcept((byte)0));
        return view;
    }
}
