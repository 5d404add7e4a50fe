namespace Sotto.Protocol;

/// <summary>
/// Bad peer input, or a state the input cannot be applied to: the one exception type of the protocol core, with a
/// stable <see cref="Code"/> (libsignal <c>SignalProtocolError</c>). Whenever it is thrown by
/// <see cref="SessionCipher"/>, no store was changed.
/// </summary>
/// <remarks>
/// Messages never contain keys, plaintext or address names (libsignal <c>CODING_GUIDELINES.md</c>); the address
/// concerned, when there is one, is available as <see cref="Address"/> for the caller to act on.
/// Caller bugs are <see cref="ArgumentException"/>s, and bugs in this library
/// <see cref="System.Diagnostics.UnreachableException"/>.
/// </remarks>
public sealed class ProtocolException : Exception
{
    public ProtocolException(ProtocolError code, string message)
        : base(message)
    {
        Code = code;
    }

    public ProtocolException(ProtocolError code, string message, ProtocolAddress address)
        : base(message)
    {
        Code = code;
        Address = address;
    }

    public ProtocolException()
        : this(ProtocolError.InvalidEncoding, "Invalid protocol input.")
    {
    }

    public ProtocolException(string message)
        : this(ProtocolError.InvalidEncoding, message)
    {
    }

    public ProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = ProtocolError.InvalidEncoding;
    }

    /// <summary>What went wrong, as a stable code.</summary>
    public ProtocolError Code { get; }

    /// <summary>The remote address concerned (for <see cref="ProtocolError.UntrustedIdentity"/> and <see cref="ProtocolError.SessionNotFound"/>).</summary>
    public ProtocolAddress? Address { get; }
}
