using System.Diagnostics.CodeAnalysis;

namespace Sotto.Protocol;

/// <summary>Throw helpers (npgsql <c>ThrowHelper.cs</c>): caller bugs raise <see cref="ArgumentException"/>, peer input <see cref="ProtocolException"/>.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    internal static void ThrowArgument(string paramName, string message) => throw new ArgumentException(message, paramName);

    [DoesNotReturn]
    internal static void ThrowLength(string paramName, int expected, int actual) =>
        throw new ArgumentException($"Expected {expected} bytes, got {actual}.", paramName);

    internal static void CheckLength(ReadOnlySpan<byte> value, int expected, string paramName)
    {
        if (value.Length != expected)
        {
            ThrowLength(paramName, expected, value.Length);
        }
    }

    [DoesNotReturn]
    internal static void ThrowProtocol(ProtocolError code, string message) => throw new ProtocolException(code, message);

    [DoesNotReturn]
    internal static T ThrowProtocol<T>(ProtocolError code, string message) => throw new ProtocolException(code, message);

    [DoesNotReturn]
    internal static void ThrowInvalidState(string message) => throw new ProtocolException(ProtocolError.InvalidSessionState, message);
}
