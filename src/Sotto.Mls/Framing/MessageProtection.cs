using System.Buffers.Binary;
using Sotto.Crypto;
using Sotto.Mls.Codec;
using Sotto.Mls.KeySchedule;
using Sotto.Mls.Messages;
using Sotto.Mls.TreeMath;

namespace Sotto.Mls.Framing;

/// <summary>
/// PrivateMessage protection (RFC 9420 §6.3): content encryption with the sender's ratchet key and a reuse guard,
/// and sender-data encryption keyed from a sample of the ciphertext.
/// <code>
/// struct { select (content_type) { … } ; FramedContentAuthData auth; opaque padding[length_of_padding]; } PrivateMessageContent;
/// struct { opaque group_id&lt;V&gt;; uint64 epoch; ContentType content_type; opaque authenticated_data&lt;V&gt;; } PrivateContentAAD;
/// struct { uint32 leaf_index; uint32 generation; opaque reuse_guard[4]; } SenderData;
/// struct { opaque group_id&lt;V&gt;; uint64 epoch; ContentType content_type; } SenderDataAAD;
/// sender_data_key   = ExpandWithLabel(sender_data_secret, "key",   ciphertext[0..Nh-1], Nk)
/// sender_data_nonce = ExpandWithLabel(sender_data_secret, "nonce", ciphertext[0..Nh-1], Nn)
/// </code>
/// </summary>
internal static class MessageProtection
{
    private const int SenderDataSize = 12;

    public static PrivateMessage Encrypt(
        CipherSuite suite, AuthenticatedContent content, SecretTree secretTree, SenderDataSecret senderDataSecret, int paddingBlockSize, IRandom random)
    {
        var framed = content.Content;
        if (framed.Sender.Type != SenderType.Member)
        {
            throw new ArgumentException("Only members send PrivateMessages.", nameof(content));
        }

        var key = secretTree.NextSendKey(new LeafIndex(framed.Sender.Index), framed.ContentType);
        Span<byte> guard = stackalloc byte[4];
        random.Fill(guard);
        Span<byte> nonce = stackalloc byte[CipherSuite.NonceSize];
        key.Nonce.CopyTo(nonce);
        for (int i = 0; i < 4; i++)
        {
            nonce[i] ^= guard[i];
        }

        var w = TlsWriter.Rent();
        framed.WriteBody(w);
        content.Auth.Write(w, framed.ContentType);
        if (paddingBlockSize > 0)
        {
            // Zero padding up to a multiple of the block size; only the length carries information.
            int remainder = w.Length % paddingBlockSize;
            for (int i = remainder == 0 ? paddingBlockSize : remainder; i < paddingBlockSize; i++)
            {
                w.WriteUInt8(0);
            }
        }

        var aad = ContentAad(framed.GroupId, framed.Epoch, framed.ContentType, framed.AuthenticatedData);
        var ciphertext = suite.AeadSeal(key.Key, nonce, aad, w.Written);
        TlsWriter.Return(w);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(key.Key);

        Span<byte> senderData = stackalloc byte[SenderDataSize];
        BinaryPrimitives.WriteUInt32BigEndian(senderData, framed.Sender.Index);
        BinaryPrimitives.WriteUInt32BigEndian(senderData[4..], key.Generation);
        guard.CopyTo(senderData[8..]);
        var (sdKey, sdNonce) = SenderDataKey(suite, senderDataSecret, ciphertext);
        var encryptedSenderData = suite.AeadSeal(sdKey, sdNonce, SenderDataAad(framed.GroupId, framed.Epoch, framed.ContentType), senderData);
        return new PrivateMessage(framed.GroupId, framed.Epoch, framed.ContentType, framed.AuthenticatedData, encryptedSenderData, ciphertext);
    }

    /// <summary>
    /// Decrypts sender data and content. Nothing is consumed: the caller verifies the signature, then commits
    /// <paramref name="key"/> to the secret tree. <paramref name="isMember"/> tells whether a leaf index is a member.
    /// </summary>
    public static AuthenticatedContent Decrypt(
        CipherSuite suite, PrivateMessage message, SecretTree secretTree, SenderDataSecret senderDataSecret, Func<uint, bool> isMember, out RatchetKey key)
    {
        var (sdKey, sdNonce) = SenderDataKey(suite, senderDataSecret, message.Ciphertext);
        var senderData = suite.AeadOpen(sdKey, sdNonce, SenderDataAad(message.GroupId, message.Epoch, message.ContentType), message.EncryptedSenderData)
            ?? throw new MlsException(MlsError.DecryptionFailed, "The sender data does not decrypt.");
        if (senderData.Length != SenderDataSize)
        {
            throw new MlsException(MlsError.Malformed, "Malformed MLS input: sender data has the wrong length.");
        }

        uint leaf = BinaryPrimitives.ReadUInt32BigEndian(senderData);
        uint generation = BinaryPrimitives.ReadUInt32BigEndian(senderData.AsSpan(4));
        if (!isMember(leaf))
        {
            throw new MlsException(MlsError.UnknownSender, "The sender data names a blank or absent leaf.");
        }

        key = secretTree.PeekReceiveKey(new LeafIndex(leaf), message.ContentType, generation);
        Span<byte> nonce = stackalloc byte[CipherSuite.NonceSize];
        key.Nonce.CopyTo(nonce);
        for (int i = 0; i < 4; i++)
        {
            nonce[i] ^= senderData[8 + i];
        }

        var plaintext = suite.AeadOpen(key.Key, nonce, ContentAad(message.GroupId, message.Epoch, message.ContentType, message.AuthenticatedData), message.Ciphertext)
            ?? throw new MlsException(MlsError.DecryptionFailed, "The message content does not decrypt.");

        var r = new TlsReader(plaintext);
        var content = FramedContent.ReadBody(ref r, message.GroupId, message.Epoch, Sender.Member(leaf), message.AuthenticatedData, message.ContentType);
        var auth = FramedContentAuthData.Read(ref r, message.ContentType);
        foreach (var b in plaintext.AsSpan(r.Position))
        {
            if (b != 0)
            {
                throw new MlsException(MlsError.InvalidPadding, "The message padding is not all zeros.");
            }
        }

        return new AuthenticatedContent(WireFormat.PrivateMessage, content, auth);
    }

    internal static (byte[] Key, byte[] Nonce) SenderDataKey(CipherSuite suite, SenderDataSecret secret, byte[] ciphertext)
    {
        var sample = ciphertext.AsSpan(0, Math.Min(CipherSuite.HashSize, ciphertext.Length));
        return (CipherSuite.ExpandWithLabel(secret.Bytes, "key"u8, sample, suite.AeadKeySize),
                CipherSuite.ExpandWithLabel(secret.Bytes, "nonce"u8, sample, CipherSuite.NonceSize));
    }

    private static byte[] ContentAad(byte[] groupId, ulong epoch, ContentType type, byte[] authenticatedData)
    {
        var w = new TlsWriter(groupId.Length + authenticatedData.Length + 16);
        w.WriteOpaque(groupId);
        w.WriteUInt64(epoch);
        w.WriteUInt8((byte)type);
        w.WriteOpaque(authenticatedData);
        return w.ToArray();
    }

    private static byte[] SenderDataAad(byte[] groupId, ulong epoch, ContentType type)
    {
        var w = new TlsWriter(groupId.Length + 16);
        w.WriteOpaque(groupId);
        w.WriteUInt64(epoch);
        w.WriteUInt8((byte)type);
        return w.ToArray();
    }
}
