using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Sotto.Crypto;
using Sotto.Mls.Codec;

namespace Sotto.Mls;

/// <summary>
/// An MLS cipher suite (RFC 9420 §5.1) and the labelled primitives built on it (§5.1.2–§5.2, §8): ExpandWithLabel,
/// DeriveSecret, DeriveTreeSecret, RefHash, SignWithLabel/VerifyWithLabel, EncryptWithLabel/DecryptWithLabel.
/// Sotto supports suite 1 (MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519) and suite 3
/// (MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519); both use SHA-256, HKDF-SHA256, HMAC-SHA256, X25519 and Ed25519.
/// </summary>
/// <remarks>Instances are immutable and thread-safe. Verification failures return <see langword="false"/>.</remarks>
public sealed class CipherSuite
{
    /// <summary>Hash, KDF and MAC output size (Nh).</summary>
    public const int HashSize = 32;

    /// <summary>AEAD nonce size (Nn).</summary>
    public const int NonceSize = 12;

    /// <summary>HPKE public key size for X25519.</summary>
    public const int HpkePublicKeySize = 32;

    /// <summary>Ed25519 public key size.</summary>
    public const int SignaturePublicKeySize = 32;

    private static ReadOnlySpan<byte> LabelPrefix => "MLS 1.0 "u8;

    private CipherSuite(ushort id, HpkeAead aead)
    {
        Id = id;
        Aead = aead;
        Hpke = aead == HpkeAead.Aes128Gcm ? Hpke.X25519Sha256Aes128Gcm : Hpke.X25519Sha256ChaCha20Poly1305;
        AeadKeySize = Hpke.KeySize;
    }

    /// <summary>Cipher suite 1: MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.</summary>
    public static CipherSuite X25519Aes128GcmSha256Ed25519 { get; } = new(1, HpkeAead.Aes128Gcm);

    /// <summary>Cipher suite 3: MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519.</summary>
    public static CipherSuite X25519ChaCha20Poly1305Sha256Ed25519 { get; } = new(3, HpkeAead.ChaCha20Poly1305);

    /// <summary>The suite's registry value.</summary>
    public ushort Id { get; }

    public HpkeAead Aead { get; }

    /// <summary>AEAD key size (Nk).</summary>
    public int AeadKeySize { get; }

    internal Hpke Hpke { get; }

    /// <summary>True when <paramref name="id"/> names a suite this library implements.</summary>
    public static bool IsSupported(ushort id) => id is 1 or 3;

    /// <summary>The suite for <paramref name="id"/>; <see cref="MlsError.UnsupportedCipherSuite"/> otherwise.</summary>
    public static CipherSuite FromId(ushort id) => id switch
    {
        1 => X25519Aes128GcmSha256Ed25519,
        3 => X25519ChaCha20Poly1305Sha256Ed25519,
        _ => throw new MlsException(MlsError.UnsupportedCipherSuite, $"Cipher suite {id} is not supported."),
    };

    public override string ToString() => "MLS cipher suite " + Id;

    // ---- hash, MAC, KDF

    public static byte[] Hash(ReadOnlySpan<byte> data) => SHA256.HashData(data);

    public static void Hash(ReadOnlySpan<byte> data, Span<byte> destination) => SHA256.HashData(data, destination);

    public static byte[] Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
    {
        var tag = new byte[HashSize];
        HmacSha256.Compute(key, data, tag);
        return tag;
    }

    /// <summary>Checks a MAC in constant time; a tag of the wrong length fails.</summary>
    public static bool VerifyMac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> tag) =>
        tag.Length == HashSize && HmacSha256.Verify(key, data, tag);

    public static void Extract(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> inputKeyMaterial, Span<byte> destination) =>
        Hkdf.Extract(salt, inputKeyMaterial, destination);

    /// <summary>
    /// ExpandWithLabel(secret, label, context, length) = KDF.Expand(secret, KDFLabel, length) with
    /// <c>struct { uint16 length; opaque label&lt;V&gt; = "MLS 1.0 " + Label; opaque context&lt;V&gt;; } KDFLabel</c>.
    /// </summary>
    public static void ExpandWithLabel(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> label, ReadOnlySpan<byte> context, Span<byte> destination)
    {
        int labelLength = LabelPrefix.Length + label.Length;
        int size = 2 + Varint.Size(labelLength) + labelLength + Varint.Size(context.Length) + context.Length;
        Span<byte> info = size <= 512 ? stackalloc byte[size] : new byte[size];
        BinaryPrimitives.WriteUInt16BigEndian(info, checked((ushort)destination.Length));
        int offset = 2;
        offset += Varint.Write(info[offset..], labelLength);
        LabelPrefix.CopyTo(info[offset..]);
        offset += LabelPrefix.Length;
        label.CopyTo(info[offset..]);
        offset += label.Length;
        offset += Varint.Write(info[offset..], context.Length);
        context.CopyTo(info[offset..]);
        if (destination.Length <= HkdfSha256Short.MaxOutputSize)
        {
            HkdfSha256Short.Expand(secret, info, destination);
        }
        else
        {
            Hkdf.Expand(secret, info, destination);
        }
    }

    public static byte[] ExpandWithLabel(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> label, ReadOnlySpan<byte> context, int length)
    {
        var output = new byte[length];
        ExpandWithLabel(secret, label, context, output);
        return output;
    }

    /// <summary>DeriveSecret(secret, label) = ExpandWithLabel(secret, label, "", Nh).</summary>
    public static void DeriveSecret(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> label, Span<byte> destination) =>
        ExpandWithLabel(secret, label, [], destination[..HashSize]);

    public static byte[] DeriveSecret(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> label) => ExpandWithLabel(secret, label, [], HashSize);

    /// <summary>DeriveTreeSecret(secret, label, generation, length) = ExpandWithLabel(secret, label, uint32 generation, length).</summary>
    public static void DeriveTreeSecret(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> label, uint generation, Span<byte> destination)
    {
        Span<byte> context = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(context, generation);
        ExpandWithLabel(secret, label, context, destination);
    }

    /// <summary>RefHash(label, value) = Hash(<c>struct { opaque label&lt;V&gt;; opaque value&lt;V&gt;; }</c>).</summary>
    public static byte[] RefHash(ReadOnlySpan<byte> label, ReadOnlySpan<byte> value)
    {
        var w = TlsWriter.Rent();
        w.WriteOpaque(label);
        w.WriteOpaque(value);
        var hash = Hash(w.Written);
        TlsWriter.Return(w);
        return hash;
    }

    // ---- signatures

    /// <summary>
    /// SignWithLabel(key, label, content) = Signature.Sign(key, SignContent) with
    /// <c>struct { opaque label&lt;V&gt; = "MLS 1.0 " + Label; opaque content&lt;V&gt;; } SignContent</c>.
    /// </summary>
    public static byte[] SignWithLabel(SignaturePrivateKey key, ReadOnlySpan<byte> label, ReadOnlySpan<byte> content)
    {
        ArgumentNullException.ThrowIfNull(key);
        var w = TlsWriter.Rent();
        WriteLabeled(w, label, content);
        var signature = key.Sign(w.Written);
        TlsWriter.Return(w);
        return signature;
    }

    /// <summary>
    /// Starts a SignContent in <paramref name="w"/> (the label, then the content vector, written next in place);
    /// finish with <see cref="EndSignContent"/> and sign or verify <c>w.Written</c>. Avoids copying large contents.
    /// </summary>
    internal static int BeginSignContent(TlsWriter w, ReadOnlySpan<byte> label)
    {
        w.WriteVarint(LabelPrefix.Length + label.Length);
        w.WriteBytes(LabelPrefix);
        w.WriteBytes(label);
        return w.BeginVector();
    }

    internal static void EndSignContent(TlsWriter w, int mark) => w.EndVector(mark);

    internal static bool VerifySignContent(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> signContent, ReadOnlySpan<byte> signature) =>
        Ed25519.Verify(publicKey, signContent, signature);

    public static bool VerifyWithLabel(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> label, ReadOnlySpan<byte> content, ReadOnlySpan<byte> signature)
    {
        var w = TlsWriter.Rent();
        WriteLabeled(w, label, content);
        bool ok = Ed25519.Verify(publicKey, w.Written, signature);
        TlsWriter.Return(w);
        return ok;
    }

    // ---- public-key encryption

    /// <summary>
    /// EncryptWithLabel(pk, label, context, plaintext) = SealBase(pk, EncryptContext, "", plaintext) with
    /// <c>struct { opaque label&lt;V&gt; = "MLS 1.0 " + Label; opaque context&lt;V&gt;; } EncryptContext</c>.
    /// </summary>
    public HpkeCiphertext EncryptWithLabel(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> label, ReadOnlySpan<byte> context, ReadOnlySpan<byte> plaintext, IRandom random)
    {
        if (publicKey.Length != HpkePublicKeySize)
        {
            throw new MlsException(MlsError.Malformed, "An HPKE public key has the wrong size.");
        }

        var w = TlsWriter.Rent();
        WriteLabeled(w, label, context);
        var kemOutput = new byte[Hpke.PublicKeySize];
        byte[] ciphertext;
        try
        {
            ciphertext = Hpke.Seal(publicKey, w.Written, [], plaintext, random, kemOutput);
        }
        catch (ArgumentException)
        {
            throw new MlsException(MlsError.Malformed, "An HPKE public key is a low-order point.");
        }
        finally
        {
            TlsWriter.Return(w);
        }

        return new HpkeCiphertext(kemOutput, ciphertext);
    }

    /// <summary>The EncryptContext of <paramref name="label"/> and <paramref name="context"/>, hashed once for many encryptions.</summary>
    public HpkeInfo PrepareEncryptContext(ReadOnlySpan<byte> label, ReadOnlySpan<byte> context)
    {
        var w = TlsWriter.Rent();
        WriteLabeled(w, label, context);
        var info = Hpke.PrepareInfo(w.Written);
        TlsWriter.Return(w);
        return info;
    }

    /// <summary>EncryptWithLabel with a context from <see cref="PrepareEncryptContext"/>.</summary>
    public HpkeCiphertext EncryptWithLabel(ReadOnlySpan<byte> publicKey, HpkeInfo encryptContext, ReadOnlySpan<byte> plaintext, IRandom random)
    {
        if (publicKey.Length != HpkePublicKeySize)
        {
            throw new MlsException(MlsError.Malformed, "An HPKE public key has the wrong size.");
        }

        var kemOutput = new byte[Hpke.PublicKeySize];
        try
        {
            return new HpkeCiphertext(kemOutput, Hpke.Seal(publicKey, encryptContext, [], plaintext, random, kemOutput));
        }
        catch (ArgumentException)
        {
            throw new MlsException(MlsError.Malformed, "An HPKE public key is a low-order point.");
        }
    }

    /// <summary>DecryptWithLabel; <see langword="null"/> when the ciphertext does not decrypt.</summary>
    public byte[]? DecryptWithLabel(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> label, ReadOnlySpan<byte> context, ReadOnlySpan<byte> kemOutput, ReadOnlySpan<byte> ciphertext)
    {
        var w = TlsWriter.Rent();
        WriteLabeled(w, label, context);
        bool ok = Hpke.TryOpen(kemOutput, privateKey, w.Written, [], ciphertext, out var plaintext);
        TlsWriter.Return(w);
        return ok ? plaintext : null;
    }

    /// <summary>KEM.DeriveKeyPair(secret): the node and external key pairs of §7.4 and §8.</summary>
    public HpkeKeyPair DeriveKeyPair(ReadOnlySpan<byte> secret)
    {
        var priv = new SecretBytes(Hpke.PrivateKeySize);
        var pub = new byte[Hpke.PublicKeySize];
        Hpke.DeriveKeyPair(secret, priv.Span, pub);
        return new HpkeKeyPair(priv, pub);
    }

    public HpkeKeyPair GenerateKeyPair(IRandom random)
    {
        var priv = new SecretBytes(Hpke.PrivateKeySize);
        var pub = new byte[Hpke.PublicKeySize];
        Hpke.GenerateKeyPair(random, priv.Span, pub);
        return new HpkeKeyPair(priv, pub);
    }

    // ---- AEAD

    public void AeadSeal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext)
    {
        if (Aead == HpkeAead.Aes128Gcm)
        {
            AesGcmAead.Encrypt(key, nonce, plaintext, associatedData, ciphertext);
        }
        else
        {
            ChaCha20Poly1305Aead.Encrypt(key, nonce, plaintext, associatedData, ciphertext);
        }
    }

    public byte[] AeadSeal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext)
    {
        var ciphertext = new byte[plaintext.Length + Hpke.TagSize];
        AeadSeal(key, nonce, associatedData, plaintext, ciphertext);
        return ciphertext;
    }

    /// <summary>Opens an AEAD ciphertext; <see langword="null"/> when it does not authenticate.</summary>
    public byte[]? AeadOpen(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext)
    {
        if (ciphertext.Length < Hpke.TagSize)
        {
            return null;
        }

        var plaintext = new byte[ciphertext.Length - Hpke.TagSize];
        bool ok = Aead == HpkeAead.Aes128Gcm
            ? AesGcmAead.TryDecrypt(key, nonce, ciphertext, associatedData, plaintext)
            : ChaCha20Poly1305Aead.TryDecrypt(key, nonce, ciphertext, associatedData, plaintext);
        return ok ? plaintext : null;
    }

    internal static byte[] Label(string label) => Encoding.ASCII.GetBytes(label);

    private static void WriteLabeled(TlsWriter w, ReadOnlySpan<byte> label, ReadOnlySpan<byte> content)
    {
        w.WriteVarint(LabelPrefix.Length + label.Length);
        w.WriteBytes(LabelPrefix);
        w.WriteBytes(label);
        w.WriteOpaque(content);
    }
}

/// <summary>An HPKE key pair; owns the private key.</summary>
public sealed class HpkeKeyPair(SecretBytes privateKey, byte[] publicKey) : IDisposable
{
    public SecretBytes PrivateKey { get; } = privateKey;

    public byte[] PublicKey { get; } = publicKey;

    public void Dispose() => PrivateKey.Dispose();
}

/// <summary>An Ed25519 signing key (stored as the 32-byte seed) and its public key.</summary>
public sealed class SignaturePrivateKey : IDisposable
{
    private readonly Ed25519SigningKey _key;

    public SignaturePrivateKey(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != Ed25519.PrivateKeySize)
        {
            throw new ArgumentException("An Ed25519 private key is 32 bytes.", nameof(seed));
        }

        _key = new Ed25519SigningKey(seed);
    }

    public byte[] PublicKey => _key.PublicKey;

    public static SignaturePrivateKey Generate(IRandom random)
    {
        Span<byte> seed = stackalloc byte[Ed25519.PrivateKeySize];
        Ed25519.GeneratePrivateKey(random, seed);
        var key = new SignaturePrivateKey(seed);
        CryptographicOperations.ZeroMemory(seed);
        return key;
    }

    /// <summary>The seed, for storage; the caller owns the copy.</summary>
    public byte[] ExportPrivateKey() => _key.ExportSeed();

    internal byte[] Sign(ReadOnlySpan<byte> message)
    {
        var signature = new byte[Ed25519.SignatureSize];
        _key.Sign(message, signature);
        return signature;
    }

    public void Dispose() => _key.Dispose();
}
