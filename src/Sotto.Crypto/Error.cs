using System.Diagnostics.CodeAnalysis;

namespace Sotto.Crypto;

/// <summary>
/// Throw helpers for caller bugs (NSec <c>Error.cs</c>, npgsql <c>ThrowHelper.cs</c>): wrong buffer sizes and
/// similar misuse raise <see cref="ArgumentException"/>. Bad peer input is never reported here; primitives report
/// a failed check by returning <see langword="false"/>.
/// </summary>
internal static class Error
{
    [DoesNotReturn]
    internal static void ThrowLength(string paramName, int expected, int actual) =>
        throw new ArgumentException($"Expected {expected} bytes, got {actual}.", paramName);

    [DoesNotReturn]
    internal static void ThrowMinLength(string paramName, int minimum, int actual) =>
        throw new ArgumentException($"Expected at least {minimum} bytes, got {actual}.", paramName);

    [DoesNotReturn]
    internal static void ThrowArgument(string paramName, string message) =>
        throw new ArgumentException(message, paramName);

    internal static void CheckLength(ReadOnlySpan<byte> value, int expected, string paramName)
    {
        if (value.Length != expected)
        {
            ThrowLength(paramName, expected, value.Length);
        }
    }
}
