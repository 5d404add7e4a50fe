using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Sotto.Crypto;
using Sotto.Protocol.Proto.Fingerprint;

namespace Sotto.Protocol;

/// <summary>
/// A safety number: the 60 digits two users compare, and the scannable form for QR codes (libsignal
/// <c>fingerprint.rs</c> <c>Fingerprint</c>, byte for byte).
/// </summary>
/// <remarks>
/// <code>
///   per side:  h₀ = SHA-512(0x0000 ‖ identity key(33) ‖ stable id ‖ identity key(33))
///              hᵢ = SHA-512(hᵢ₋₁ ‖ identity key(33)),  i = 1 … iterations − 1
///   digits:    6 × (5 bytes of h as a big-endian integer mod 100000, zero-padded to 5); the two 30-digit
///              halves are concatenated with the lexicographically smaller first
///   scannable: CombinedFingerprints{ version, local = h[0..32], remote = h'[0..32] }
/// </code>
/// The Signal apps use version 2, 5,200 iterations and the ServiceId binary form as the stable id:
/// <see cref="ForServiceIds"/>.
/// </remarks>
public sealed class Fingerprint
{
    private Fingerprint(string displayString, ScannableFingerprint scannable)
    {
        DisplayString = displayString;
        Scannable = scannable;
    }

    /// <summary>The 60-digit safety number; the same on both sides.</summary>
    public string DisplayString { get; }

    /// <summary>The scannable (QR) form from this side's point of view.</summary>
    public ScannableFingerprint Scannable { get; }

    /// <summary>libsignal <c>Fingerprint::new</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="iterations"/> is not in 2 … 1,000,000.</exception>
    public static Fingerprint Create(uint version, int iterations, ReadOnlySpan<byte> localId, IdentityKey localKey, ReadOnlySpan<byte> remoteId, IdentityKey remoteKey)
    {
        ArgumentNullException.ThrowIfNull(localKey);
        ArgumentNullException.ThrowIfNull(remoteKey);
        if (iterations is <= 1 or > 1_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(iterations), iterations, "Iterations must be 2 to 1,000,000.");
        }

        var local = Iterate(iterations, localId, localKey);
        var remote = Iterate(iterations, remoteId, remoteKey);
        string localDigits = Digits(local);
        string remoteDigits = Digits(remote);
        string display = string.CompareOrdinal(localDigits, remoteDigits) < 0 ? localDigits + remoteDigits : remoteDigits + localDigits;
        return new Fingerprint(display, new ScannableFingerprint(version, local[..32], remote[..32]));
    }

    /// <summary>
    /// The safety number as the Signal apps compute it: version 2, <see cref="ProtocolLimits.SafetyNumberIterations"/>
    /// iterations, each side identified by its ServiceId binary form (16 bytes for an ACI).
    /// </summary>
    public static Fingerprint ForServiceIds(ServiceId localId, IdentityKey localKey, ServiceId remoteId, IdentityKey remoteKey) =>
        Create(2, ProtocolLimits.SafetyNumberIterations, localId.ToServiceIdBinary(), localKey, remoteId.ToServiceIdBinary(), remoteKey);

    private static byte[] Iterate(int iterations, ReadOnlySpan<byte> stableId, IdentityKey key)
    {
        var keyBytes = key.Serialized;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        var hash = new byte[64];
        sha.AppendData([0, 0]);
        sha.AppendData(keyBytes);
        sha.AppendData(stableId);
        sha.AppendData(keyBytes);
        sha.GetHashAndReset(hash);
        for (int i = 1; i < iterations; i++)
        {
            sha.AppendData(hash);
            sha.AppendData(keyBytes);
            sha.GetHashAndReset(hash);
        }

        return hash;
    }

    private static string Digits(ReadOnlySpan<byte> hash)
    {
        var digits = new StringBuilder(30);
        for (int chunk = 0; chunk < 6; chunk++)
        {
            ulong value = 0;
            foreach (byte b in hash.Slice(chunk * 5, 5))
            {
                value = (value << 8) | b;
            }

            digits.Append((value % 100_000).ToString("D5", CultureInfo.InvariantCulture));
        }

        return digits.ToString();
    }
}

/// <summary>The scannable safety number of one side (libsignal <c>ScannableFingerprint</c>).</summary>
public sealed class ScannableFingerprint
{
    /// <summary>A generous bound on a scanned code (a version-2 code is 80 bytes).</summary>
    private const int MaxScannedLength = 1024;

    private readonly byte[] _local;
    private readonly byte[] _remote;

    internal ScannableFingerprint(uint version, byte[] local, byte[] remote)
    {
        Version = version;
        _local = local;
        _remote = remote;
    }

    public uint Version { get; }

    /// <summary>The <c>CombinedFingerprints</c> protobuf, to render as a QR code.</summary>
    public byte[] Serialize() => new CombinedFingerprints
    {
        Version = Version,
        LocalFingerprint = new LogicalFingerprint { Content = ByteString.CopyFrom(_local) },
        RemoteFingerprint = new LogicalFingerprint { Content = ByteString.CopyFrom(_remote) },
    }.ToByteArray();

    /// <summary>
    /// Compares with the other side's scanned code: their local is our remote and the reverse (constant time).
    /// </summary>
    /// <exception cref="ProtocolException"><see cref="ProtocolError.InvalidEncoding"/> for a malformed code,
    /// <see cref="ProtocolError.UnrecognizedVersion"/> for a different version.</exception>
    public bool Compare(ReadOnlySpan<byte> theirs)
    {
        if (theirs.Length > MaxScannedLength)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.MessageTooLarge, $"A scanned safety number is at most {MaxScannedLength} bytes.");
        }

        CombinedFingerprints combined;
        try
        {
            combined = CombinedFingerprints.Parser.ParseFrom(theirs);
        }
        catch (InvalidProtocolBufferException)
        {
            return ThrowHelper.ThrowProtocol<bool>(ProtocolError.InvalidEncoding, "The scanned safety number is malformed.");
        }

        if (combined.Version != Version)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.UnrecognizedVersion, $"The scanned safety number has version {combined.Version}, not {Version}.");
        }

        if (combined.LocalFingerprint is not { HasContent: true } theirLocal || combined.RemoteFingerprint is not { HasContent: true } theirRemote)
        {
            return ThrowHelper.ThrowProtocol<bool>(ProtocolError.InvalidEncoding, "The scanned safety number lacks a fingerprint.");
        }

        bool same1 = ConstantTime.Equals(theirLocal.Content.Span, _remote);
        bool same2 = ConstantTime.Equals(theirRemote.Content.Span, _local);
        return same1 & same2;
    }
}
