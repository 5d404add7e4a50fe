using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Sotto.Crypto;

/// <summary>The AEADs Sotto's HPKE suites use (RFC 9180 §7.3 identifiers).</summary>
public enum HpkeAead : ushort
{
    Aes128Gcm = 0x0001,
    ChaCha20Poly1305 = 0x0003,
}

/// <summary>
/// Hybrid Public Key Encryption (RFC 9180) in base mode with DHKEM(X25519, HKDF-SHA256) and HKDF-SHA256, over
/// AES-128-GCM or ChaCha20-Poly1305: the public-key encryption of MLS cipher suites 1 and 3.
/// </summary>
/// <remarks>
/// <para>Flow (§5.1, §4.1):</para>
/// <code>
///   Encap(pkR):  skE ← DeriveKeyPair(random)            Decap(enc, skR):
///                dh = DH(skE, pkR)                          dh = DH(skR, enc)
///                shared_secret = ExtractAndExpand(dh, enc ‖ pkR)
///   KeySchedule: psk_id_hash = LabeledExtract("", "psk_id_hash", "")
///                info_hash   = LabeledExtract("", "info_hash", info)
///                context     = mode_base(0) ‖ psk_id_hash ‖ info_hash
///                secret      = LabeledExtract(shared_secret, "secret", "")
///                key, base_nonce, exporter_secret = LabeledExpand(secret, "key" | "base_nonce" | "exp", context, …)
/// </code>
/// <para>Private keys are the 32-byte output of DeriveKeyPair (clamped at use by X25519); public keys and the
/// encapsulated key are 32-byte u-coordinates. A decapsulation that yields the all-zero DH output (a low-order
/// <c>enc</c>) fails like a bad tag: <see cref="TrySetupBaseRecipient"/> returns <see langword="false"/>.</para>
/// <para>This type owns no key material; <see cref="HpkeContext"/> owns the derived key and secrets.</para>
/// </remarks>
public sealed class Hpke
{
    /// <summary>KEM identifier of DHKEM(X25519, HKDF-SHA256).</summary>
    public const ushort KemId = 0x0020;

    /// <summary>KDF identifier of HKDF-SHA256.</summary>
    public const ushort KdfId = 0x0001;

    /// <summary>Size of a public key and of an encapsulated key (Npk = Nenc).</summary>
    public const int PublicKeySize = 32;

    /// <summary>Size of a private key (Nsk).</summary>
    public const int PrivateKeySize = 32;

    /// <summary>Size of the KEM shared secret and of the KDF output (Nsecret = Nh).</summary>
    public const int SecretSize = 32;

    /// <summary>Nonce size (Nn).</summary>
    public const int NonceSize = 12;

    /// <summary>AEAD tag size (Nt).</summary>
    public const int TagSize = 16;

    private static ReadOnlySpan<byte> Version => "HPKE-v1"u8;

    private readonly byte[] _kemSuiteId;
    private readonly byte[] _suiteId;

    private Hpke(HpkeAead aead)
    {
        Aead = aead;
        KeySize = aead == HpkeAead.Aes128Gcm ? 16 : 32;
        _kemSuiteId = [(byte)'K', (byte)'E', (byte)'M', KemId >> 8, KemId & 0xFF];
        _suiteId = [(byte)'H', (byte)'P', (byte)'K', (byte)'E', KemId >> 8, KemId & 0xFF, KdfId >> 8, KdfId & 0xFF, 0, (byte)aead];
    }

    /// <summary>DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM (MLS cipher suite 1).</summary>
    public static Hpke X25519Sha256Aes128Gcm { get; } = new(HpkeAead.Aes128Gcm);

    /// <summary>DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305 (MLS cipher suite 3).</summary>
    public static Hpke X25519Sha256ChaCha20Poly1305 { get; } = new(HpkeAead.ChaCha20Poly1305);

    /// <summary>The suite's AEAD.</summary>
    public HpkeAead Aead { get; }

    /// <summary>AEAD key size (Nk).</summary>
    public int KeySize { get; }

    /// <summary>DeriveKeyPair (§7.1.3): a deterministic key pair from input keying material.</summary>
    public void DeriveKeyPair(ReadOnlySpan<byte> inputKeyMaterial, Span<byte> privateKey, Span<byte> publicKey)
    {
        Error.CheckLength(privateKey, PrivateKeySize, nameof(privateKey));
        Error.CheckLength(publicKey, PublicKeySize, nameof(publicKey));
        Span<byte> prk = stackalloc byte[SecretSize];
        try
        {
            LabeledExtract(_kemSuiteId, [], "dkp_prk"u8, inputKeyMaterial, prk);
            LabeledExpand(_kemSuiteId, prk, "sk"u8, [], privateKey);
            X25519.DerivePublicKey(privateKey, publicKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(prk);
        }
    }

    /// <summary>GenerateKeyPair: DeriveKeyPair over 32 random bytes.</summary>
    public void GenerateKeyPair(IRandom random, Span<byte> privateKey, Span<byte> publicKey)
    {
        ArgumentNullException.ThrowIfNull(random);
        Span<byte> ikm = stackalloc byte[SecretSize];
        random.Fill(ikm);
        try
        {
            DeriveKeyPair(ikm, privateKey, publicKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ikm);
        }
    }

    /// <summary>
    /// SetupBaseS (§5.1.1): encapsulates to <paramref name="recipientPublicKey"/>, writes the encapsulated key to
    /// <paramref name="encapsulatedKey"/> and returns the sender's context. Throws <see cref="ArgumentException"/>
    /// when the recipient key is a low-order point (the DH output would be zero).
    /// </summary>
    public HpkeContext SetupBaseSender(ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> info, IRandom random, Span<byte> encapsulatedKey)
    {
        ArgumentNullException.ThrowIfNull(random);
        Span<byte> ephemeralPrivate = stackalloc byte[PrivateKeySize];
        Span<byte> ikm = stackalloc byte[SecretSize];
        random.Fill(ikm);
        try
        {
            Span<byte> unused = stackalloc byte[PublicKeySize];
            DeriveKeyPair(ikm, ephemeralPrivate, unused);
            return SetupBaseSender(recipientPublicKey, info, ephemeralPrivate, encapsulatedKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ikm);
            CryptographicOperations.ZeroMemory(ephemeralPrivate);
        }
    }

    /// <summary>SetupBaseS with a given ephemeral private key (the RFC's known-answer tests fix skE).</summary>
    internal HpkeContext SetupBaseSender(ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> info, ReadOnlySpan<byte> ephemeralPrivateKey, Span<byte> encapsulatedKey)
    {
        Error.CheckLength(recipientPublicKey, PublicKeySize, nameof(recipientPublicKey));
        Error.CheckLength(encapsulatedKey, PublicKeySize, nameof(encapsulatedKey));
        Span<byte> dh = stackalloc byte[SecretSize];
        Span<byte> shared = stackalloc byte[SecretSize];
        try
        {
            X25519.DerivePublicKey(ephemeralPrivateKey, encapsulatedKey);
            if (!X25519.TryAgree(ephemeralPrivateKey, recipientPublicKey, dh))
            {
                Error.ThrowArgument(nameof(recipientPublicKey), "The recipient public key is a low-order point.");
            }

            ExtractAndExpand(dh, encapsulatedKey, recipientPublicKey, shared);
            return KeySchedule(shared, info);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dh);
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    /// <summary>
    /// SetupBaseR (§5.1.1): decapsulates <paramref name="encapsulatedKey"/> with <paramref name="recipientPrivateKey"/>.
    /// Returns <see langword="false"/> when <paramref name="encapsulatedKey"/> has the wrong size or is a low-order
    /// point: both are peer input.
    /// </summary>
    public bool TrySetupBaseRecipient(ReadOnlySpan<byte> encapsulatedKey, ReadOnlySpan<byte> recipientPrivateKey, ReadOnlySpan<byte> info, out HpkeContext? context)
    {
        Error.CheckLength(recipientPrivateKey, PrivateKeySize, nameof(recipientPrivateKey));
        context = null;
        if (encapsulatedKey.Length != PublicKeySize)
        {
            return false;
        }

        Span<byte> dh = stackalloc byte[SecretSize];
        Span<byte> shared = stackalloc byte[SecretSize];
        Span<byte> recipientPublic = stackalloc byte[PublicKeySize];
        try
        {
            if (!X25519.TryAgree(recipientPrivateKey, encapsulatedKey, dh))
            {
                return false;
            }

            X25519.DerivePublicKey(recipientPrivateKey, recipientPublic);
            ExtractAndExpand(dh, encapsulatedKey, recipientPublic, shared);
            context = KeySchedule(shared, info);
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dh);
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    /// <summary>Single-shot SealBase (§6.1): returns the ciphertext and writes the encapsulated key.</summary>
    public byte[] Seal(ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> info, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext, IRandom random, Span<byte> encapsulatedKey)
    {
        using var context = SetupBaseSender(recipientPublicKey, info, random, encapsulatedKey);
        return context.Seal(associatedData, plaintext);
    }

    /// <summary>Single-shot OpenBase (§6.1); <see langword="false"/> when the input does not decrypt.</summary>
    public bool TryOpen(ReadOnlySpan<byte> encapsulatedKey, ReadOnlySpan<byte> recipientPrivateKey, ReadOnlySpan<byte> info, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, out byte[] plaintext)
    {
        plaintext = [];
        if (!TrySetupBaseRecipient(encapsulatedKey, recipientPrivateKey, info, out var context))
        {
            return false;
        }

        using (context)
        {
            return context!.TryOpen(associatedData, ciphertext, out plaintext);
        }
    }

    private void ExtractAndExpand(ReadOnlySpan<byte> dh, ReadOnlySpan<byte> encapsulatedKey, ReadOnlySpan<byte> recipientPublicKey, Span<byte> shared)
    {
        Span<byte> prk = stackalloc byte[SecretSize];
        Span<byte> kemContext = stackalloc byte[2 * PublicKeySize];
        encapsulatedKey.CopyTo(kemContext);
        recipientPublicKey.CopyTo(kemContext[PublicKeySize..]);
        LabeledExtract(_kemSuiteId, [], "eae_prk"u8, dh, prk);
        LabeledExpand(_kemSuiteId, prk, "shared_secret"u8, kemContext, shared);
        CryptographicOperations.ZeroMemory(prk);
    }

    /// <summary>
    /// Precomputes the key-schedule context of <paramref name="info"/> (mode_base ‖ psk_id_hash ‖ info_hash), so that
    /// many encapsulations with the same info — the GroupSecrets of every member of one Welcome, whose info holds the
    /// whole encrypted GroupInfo — hash it once.
    /// </summary>
    public HpkeInfo PrepareInfo(ReadOnlySpan<byte> info)
    {
        var context = new byte[1 + (2 * SecretSize)];
        LabeledExtract(_suiteId, [], "psk_id_hash"u8, [], context.AsSpan(1, SecretSize));
        LabeledExtract(_suiteId, [], "info_hash"u8, info, context.AsSpan(1 + SecretSize, SecretSize));
        return new HpkeInfo(this, context);
    }

    /// <summary>SetupBaseS with a prepared info (see <see cref="PrepareInfo"/>).</summary>
    public HpkeContext SetupBaseSender(ReadOnlySpan<byte> recipientPublicKey, HpkeInfo info, IRandom random, Span<byte> encapsulatedKey)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(random);
        if (!ReferenceEquals(info.Suite, this))
        {
            Error.ThrowArgument(nameof(info), "The info was prepared for another HPKE suite.");
        }

        Error.CheckLength(recipientPublicKey, PublicKeySize, nameof(recipientPublicKey));
        Error.CheckLength(encapsulatedKey, PublicKeySize, nameof(encapsulatedKey));
        Span<byte> ikm = stackalloc byte[SecretSize];
        Span<byte> ephemeralPrivate = stackalloc byte[PrivateKeySize];
        Span<byte> dh = stackalloc byte[SecretSize];
        Span<byte> shared = stackalloc byte[SecretSize];
        random.Fill(ikm);
        try
        {
            DeriveKeyPair(ikm, ephemeralPrivate, encapsulatedKey);
            if (!X25519.TryAgree(ephemeralPrivate, recipientPublicKey, dh))
            {
                Error.ThrowArgument(nameof(recipientPublicKey), "The recipient public key is a low-order point.");
            }

            ExtractAndExpand(dh, encapsulatedKey, recipientPublicKey, shared);
            return KeyScheduleWithContext(shared, info.Context);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ikm);
            CryptographicOperations.ZeroMemory(ephemeralPrivate);
            CryptographicOperations.ZeroMemory(dh);
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    /// <summary>Single-shot SealBase with a prepared info.</summary>
    public byte[] Seal(ReadOnlySpan<byte> recipientPublicKey, HpkeInfo info, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext, IRandom random, Span<byte> encapsulatedKey)
    {
        using var context = SetupBaseSender(recipientPublicKey, info, random, encapsulatedKey);
        return context.Seal(associatedData, plaintext);
    }

    private HpkeContext KeySchedule(ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> info)
    {
        Span<byte> context = stackalloc byte[1 + 2 * SecretSize];
        context[0] = 0; // mode_base
        LabeledExtract(_suiteId, [], "psk_id_hash"u8, [], context.Slice(1, SecretSize));
        LabeledExtract(_suiteId, [], "info_hash"u8, info, context.Slice(1 + SecretSize, SecretSize));
        return KeyScheduleWithContext(sharedSecret, context);
    }

    private HpkeContext KeyScheduleWithContext(ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> context)
    {
        Span<byte> secret = stackalloc byte[SecretSize];
        LabeledExtract(_suiteId, sharedSecret, "secret"u8, [], secret); // salt = shared_secret, ikm = psk (empty)
        var result = new HpkeContext(Aead, KeySize);
        LabeledExpand(_suiteId, secret, "key"u8, context, result.KeyBytes);
        LabeledExpand(_suiteId, secret, "base_nonce"u8, context, result.BaseNonceBytes);
        LabeledExpand(_suiteId, secret, "exp"u8, context, result.ExporterSecretBytes);
        CryptographicOperations.ZeroMemory(secret);
        return result;
    }

    // LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" ‖ suite_id ‖ label ‖ ikm).
    private static void LabeledExtract(ReadOnlySpan<byte> suiteId, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> label, ReadOnlySpan<byte> ikm, Span<byte> output)
    {
        int length = Version.Length + suiteId.Length + label.Length + ikm.Length;
        Span<byte> labeled = length <= 256 ? stackalloc byte[length] : new byte[length];
        Version.CopyTo(labeled);
        suiteId.CopyTo(labeled[Version.Length..]);
        label.CopyTo(labeled[(Version.Length + suiteId.Length)..]);
        ikm.CopyTo(labeled[(Version.Length + suiteId.Length + label.Length)..]);
        Hkdf.Extract(salt, labeled, output);
        CryptographicOperations.ZeroMemory(labeled);
    }

    // LabeledExpand(prk, label, info, L) = Expand(prk, I2OSP(L, 2) ‖ "HPKE-v1" ‖ suite_id ‖ label ‖ info, L).
    internal static void LabeledExpand(ReadOnlySpan<byte> suiteId, ReadOnlySpan<byte> prk, ReadOnlySpan<byte> label, ReadOnlySpan<byte> info, Span<byte> output)
    {
        int length = 2 + Version.Length + suiteId.Length + label.Length + info.Length;
        Span<byte> labeled = length <= 512 ? stackalloc byte[length] : new byte[length];
        BinaryPrimitives.WriteUInt16BigEndian(labeled, checked((ushort)output.Length));
        Version.CopyTo(labeled[2..]);
        suiteId.CopyTo(labeled[(2 + Version.Length)..]);
        label.CopyTo(labeled[(2 + Version.Length + suiteId.Length)..]);
        info.CopyTo(labeled[(2 + Version.Length + suiteId.Length + label.Length)..]);
        Hkdf.Expand(prk, labeled, output);
    }

    internal ReadOnlySpan<byte> SuiteId => _suiteId;
}

/// <summary>An HPKE info whose key-schedule context has been computed once (<see cref="Hpke.PrepareInfo"/>). Immutable.</summary>
public sealed class HpkeInfo
{
    internal HpkeInfo(Hpke suite, byte[] context)
    {
        Suite = suite;
        Context = context;
    }

    internal Hpke Suite { get; }

    internal byte[] Context { get; }
}

/// <summary>
/// An HPKE encryption context (RFC 9180 §5.2): the AEAD key, base nonce, sequence number and exporter secret.
/// Owns its secrets and zeroes them on <see cref="Dispose"/>. Not thread-safe.
/// </summary>
public sealed class HpkeContext : IDisposable
{
    private readonly HpkeAead _aead;
    private readonly SecretBytes _key;
    private readonly SecretBytes _baseNonce = new(Hpke.NonceSize);
    private readonly SecretBytes _exporterSecret = new(Hpke.SecretSize);
    private readonly byte[] _suiteId;

    internal HpkeContext(HpkeAead aead, int keySize)
    {
        _aead = aead;
        _key = new SecretBytes(keySize);
        _suiteId = aead == HpkeAead.Aes128Gcm
            ? Hpke.X25519Sha256Aes128Gcm.SuiteId.ToArray()
            : Hpke.X25519Sha256ChaCha20Poly1305.SuiteId.ToArray();
    }

    /// <summary>The next sequence number; settable inside the assembly so the RFC vectors can skip ahead.</summary>
    internal ulong Sequence { get; set; }

    internal Span<byte> KeyBytes => _key.Span;

    internal Span<byte> BaseNonceBytes => _baseNonce.Span;

    internal Span<byte> ExporterSecretBytes => _exporterSecret.Span;

    /// <summary>Seal (§5.2): encrypts with the next nonce and returns ciphertext ‖ tag.</summary>
    public byte[] Seal(ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext)
    {
        var ciphertext = new byte[plaintext.Length + Hpke.TagSize];
        Span<byte> nonce = stackalloc byte[Hpke.NonceSize];
        ComputeNonce(nonce);
        if (_aead == HpkeAead.Aes128Gcm)
        {
            AesGcmAead.Encrypt(_key.Span, nonce, plaintext, associatedData, ciphertext);
        }
        else
        {
            ChaCha20Poly1305Aead.Encrypt(_key.Span, nonce, plaintext, associatedData, ciphertext);
        }

        IncrementSequence();
        return ciphertext;
    }

    /// <summary>Open (§5.2): <see langword="false"/> when the ciphertext does not authenticate (the sequence does not advance).</summary>
    public bool TryOpen(ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, out byte[] plaintext)
    {
        plaintext = [];
        if (ciphertext.Length < Hpke.TagSize)
        {
            return false;
        }

        var output = new byte[ciphertext.Length - Hpke.TagSize];
        Span<byte> nonce = stackalloc byte[Hpke.NonceSize];
        ComputeNonce(nonce);
        bool ok = _aead == HpkeAead.Aes128Gcm
            ? AesGcmAead.TryDecrypt(_key.Span, nonce, ciphertext, associatedData, output)
            : ChaCha20Poly1305Aead.TryDecrypt(_key.Span, nonce, ciphertext, associatedData, output);
        if (!ok)
        {
            return false;
        }

        IncrementSequence();
        plaintext = output;
        return true;
    }

    /// <summary>Export (§5.3): LabeledExpand(exporter_secret, "sec", exporter_context, L).</summary>
    public void Export(ReadOnlySpan<byte> exporterContext, Span<byte> output) =>
        Hpke.LabeledExpand(_suiteId, _exporterSecret.Span, "sec"u8, exporterContext, output);

    private void ComputeNonce(Span<byte> nonce)
    {
        // nonce = base_nonce XOR I2OSP(seq, Nn)
        _baseNonce.Span.CopyTo(nonce);
        Span<byte> seq = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(seq, Sequence);
        for (int i = 0; i < 8; i++)
        {
            nonce[Hpke.NonceSize - 8 + i] ^= seq[i];
        }
    }

    private void IncrementSequence()
    {
        if (Sequence == ulong.MaxValue)
        {
            throw new CryptographicException("HPKE message limit reached.");
        }

        Sequence++;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _key.Dispose();
        _baseNonce.Dispose();
        _exporterSecret.Dispose();
    }
}
