namespace Sotto.Mls;

/// <summary>
/// What was wrong with a peer's MLS input. The values are stable: they are only ever appended, never renumbered
/// (a test pins them), so that logs, metrics and peers can rely on them.
/// </summary>
public enum MlsError
{
    /// <summary>The bytes do not decode: truncated, trailing data, a non-minimal length, a bad optional flag.</summary>
    Malformed = 1,

    /// <summary>A length, count or size exceeds what the field or <see cref="MlsLimits"/> allows.</summary>
    LengthExceeded = 2,
    UnsupportedVersion = 3,
    UnsupportedCipherSuite = 4,
    UnexpectedWireFormat = 5,
    WrongGroup = 6,

    /// <summary>The message is for an epoch this member is not in, or no longer keeps (a second commit for an epoch).</summary>
    WrongEpoch = 7,
    InvalidSignature = 8,
    InvalidMembershipTag = 9,
    InvalidConfirmationTag = 10,

    /// <summary>An AEAD or HPKE ciphertext did not authenticate.</summary>
    DecryptionFailed = 11,

    /// <summary>A generation of a sender's ratchet that was already consumed (a replay).</summary>
    ReplayedGeneration = 12,

    /// <summary>A generation further ahead of the ratchet than <see cref="MlsLimits.MaxForwardRatchet"/>.</summary>
    GenerationTooFarAhead = 13,

    /// <summary>A generation older than the ratchet's retained window.</summary>
    GenerationExpired = 14,

    /// <summary>The sender is not a member, or its leaf is blank.</summary>
    UnknownSender = 15,

    /// <summary>The sender type is not allowed for this content.</summary>
    InvalidSender = 16,

    /// <summary>A proposal or proposal list violates RFC 9420 §12.2.</summary>
    InvalidProposal = 17,
    UnknownProposalReference = 18,

    /// <summary>A commit violates RFC 9420 §12.4 (for example a missing path where one is required).</summary>
    InvalidCommit = 19,
    InvalidUpdatePath = 20,
    InvalidParentHash = 21,
    InvalidTreeHash = 22,

    /// <summary>A ratchet tree fails validation (RFC 9420 §12.4.3.1).</summary>
    InvalidTree = 23,
    DuplicateEncryptionKey = 24,
    DuplicateSignatureKey = 25,
    InvalidLeafNode = 26,

    /// <summary>A LeafNode lifetime does not cover the current time, or is longer than allowed.</summary>
    LifetimeExpired = 27,
    UnsupportedCapability = 28,

    /// <summary>The credential validation hook refused a credential.</summary>
    InvalidCredential = 29,
    InvalidKeyPackage = 30,

    /// <summary>A Welcome has no secrets for any of this client's KeyPackages.</summary>
    WelcomeNotForUs = 31,
    InvalidWelcome = 32,
    InvalidGroupInfo = 33,
    MissingRatchetTree = 34,
    MissingPsk = 35,
    InvalidPadding = 36,
    InvalidExternalCommit = 37,
    UnsupportedExtension = 38,
    UnsupportedProposal = 39,
    UnsupportedCredential = 40,
}

/// <summary>
/// Bad peer input, with a stable <see cref="MlsError"/> code (libsignal <c>SignalProtocolError</c>). The message never
/// contains keys, secrets or plaintext. An operation that throws this leaves the group state unchanged.
/// </summary>
public sealed class MlsException : Exception
{
    public MlsException(MlsError code, string message)
        : base(message)
    {
        Code = code;
    }

    public MlsException()
        : this(MlsError.Malformed, "Malformed MLS input.")
    {
    }

    public MlsException(string message)
        : this(MlsError.Malformed, message)
    {
    }

    public MlsException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = MlsError.Malformed;
    }

    /// <summary>What was wrong.</summary>
    public MlsError Code { get; }
}
