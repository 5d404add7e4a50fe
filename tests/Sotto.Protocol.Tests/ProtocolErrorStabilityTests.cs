namespace Sotto.Protocol.Tests;

/// <summary>
/// Persisted and wire-visible discriminants never change value (Garnet <c>PersistedEnumStabilityTests</c>). Add new
/// members at the end, with new values, and add them here.
/// </summary>
public sealed class ProtocolErrorStabilityTests
{
    public static TheoryData<ProtocolError, int> ErrorCodes => new()
    {
        { ProtocolError.InvalidEncoding, 1 },
        { ProtocolError.MessageTooLarge, 2 },
        { ProtocolError.LegacyVersion, 3 },
        { ProtocolError.UnrecognizedVersion, 4 },
        { ProtocolError.BadKeyType, 5 },
        { ProtocolError.BadKeyLength, 6 },
        { ProtocolError.InvalidKeyAgreement, 7 },
        { ProtocolError.InvalidSignature, 8 },
        { ProtocolError.UntrustedIdentity, 9 },
        { ProtocolError.InvalidPreKeyId, 10 },
        { ProtocolError.InvalidSignedPreKeyId, 11 },
        { ProtocolError.InvalidKyberPreKeyId, 12 },
        { ProtocolError.SessionNotFound, 13 },
        { ProtocolError.DuplicatedMessage, 14 },
        { ProtocolError.InvalidMac, 15 },
        { ProtocolError.InvalidCiphertext, 16 },
        { ProtocolError.MessageTooFarInFuture, 17 },
        { ProtocolError.MissingPqRatchet, 18 },
        { ProtocolError.InvalidPqRatchet, 19 },
        { ProtocolError.AddressMismatch, 20 },
        { ProtocolError.InvalidBaseKey, 21 },
        { ProtocolError.MissingKyberPreKey, 22 },
        { ProtocolError.ReusedBaseKey, 23 },
        { ProtocolError.InvalidSessionState, 24 },
        { ProtocolError.InvalidKemKey, 25 },
        { ProtocolError.InvalidKemCiphertext, 26 },
        { ProtocolError.DecryptionFailed, 27 },
    };

    [Theory]
    [MemberData(nameof(ErrorCodes))]
    public void ErrorCodeKeepsItsValue(ProtocolError code, int value) => Assert.Equal(value, (int)code);

    [Fact]
    public void EveryErrorCodeIsListed() => Assert.Equal(Enum.GetValues<ProtocolError>().Length, ErrorCodes.Count);

    [Fact]
    public void WireAndKeyTypeCodesKeepTheirValues()
    {
        Assert.Equal(2, (int)CiphertextMessageType.Whisper);
        Assert.Equal(3, (int)CiphertextMessageType.PreKey);
        Assert.Equal(7, (int)CiphertextMessageType.SenderKey);
        Assert.Equal(8, (int)CiphertextMessageType.Plaintext);
        Assert.Equal(0x08, (int)KemKeyType.Kyber1024);
        Assert.Equal(0, (int)ServiceIdKind.Aci);
        Assert.Equal(1, (int)ServiceIdKind.Pni);
        Assert.Equal(0, (int)Sotto.Protocol.Storage.Direction.Sending);
        Assert.Equal(1, (int)Sotto.Protocol.Storage.Direction.Receiving);
        Assert.Equal(0, (int)Sotto.Protocol.Storage.IdentityChange.NewOrUnchanged);
        Assert.Equal(1, (int)Sotto.Protocol.Storage.IdentityChange.ReplacedExisting);
        Assert.Equal(4, Enum.GetValues<CiphertextMessageType>().Length);
    }
}
