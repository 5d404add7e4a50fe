using System.Buffers.Binary;
using System.Security.Cryptography;
using Google.Protobuf;
using Sotto.Client;
using Sotto.Client.Attachments;
using Sotto.Client.Content;
using Sotto.Client.Linking;
using Sotto.Client.Provisioning;
using Sotto.Crypto;
using Sotto.Protocol;
using Sotto.TestSupport;
using Sotto.TestSupport.Fuzzing;
using Sotto.Wire;

namespace Sotto.FuzzTargets;

/// <summary>
/// Decoders of the client SDK (Sotto.Client): the decrypted Content protobuf with its attachment pointers, the
/// attachment decryption stream, and the provisioning message a new device receives. A rejection is
/// <see cref="SottoClientException"/> with the documented code, or — for Content, which the client drops
/// silently — a <see langword="null"/> parse.
/// </summary>
public static class ClientTargets
{
    private static readonly Guid AccountId = new("0b5f8c1e-3d2a-4c6b-9e7f-1a2b3c4d5e6f");

    public static IEnumerable<FuzzTarget> All()
    {
        yield return ServerFrameTarget();

        yield return new FuzzTarget(
            "client-content",
            "SottoClient.ParseContent of decrypted plaintext, and the stored entry of every attachment pointer in it",
            ContentCorpus,
            input =>
            {
                if (SottoClient.ParseContent(input) is not { } content)
                {
                    return;
                }

                var again = SottoClient.ParseContent(content.ToByteArray());
                FuzzCheckException.Check(again is not null && again.Equals(content), "re-encoded Content parses differently");
                var messages = new[] { content.Message, content.Sent?.Content?.Message }.OfType<Message>();
                foreach (var message in messages)
                {
                    for (int i = 0; i < message.Attachments.Count && i < 32; i++)
                    {
                        var entry = SottoClient.AttachmentEntryFor("conversation", Guid.Empty, i, message.Attachments[i]);
                        FuzzCheckException.Check(entry.FileName.Length is > 0 and <= 120 && entry.Size >= 0, "an attachment entry escaped its bounds");
                    }
                }
            },
            _ => false)
        {
            LengthFields = ProtobufScan.Lengths,
        };

        yield return new FuzzTarget(
            "client-attachment",
            "AttachmentCipher.DecryptAsync of a downloaded blob: byte 0 picks the sender (0: honest pointer, a tampered blob; "
            + "1: a sender who knows the key and re-MACs and re-digests the blob); bytes 1-8 are the pointer's size",
            () => [[0, .. AttachmentFixture.Shared.Input], [1, .. AttachmentFixture.Shared.Input]],
            AttachmentFixture.Run,
            e => e is SottoClientException { Code: ClientError.InvalidAttachment })
        {
            LengthFields = _ => [new LengthField(1, LengthKind.UInt32BigEndian), new LengthField(5, LengthKind.UInt32BigEndian)],
            AllocationBudget = 64L * 1024 * 1024,
        };

        yield return new FuzzTarget(
            "client-provisioning",
            "SottoClient.OpenProvisionMessage: byte 0 picks the layer (0: the sealed message as the server hands it over; "
            + "1: the ProvisionMessage plaintext, sealed correctly by a hostile approver)",
            () => [[0, .. ProvisioningFixture.Shared.Sealed], [1, .. ProvisioningFixture.Shared.Plaintext]],
            ProvisioningFixture.Run,
            e => e is SottoClientException { Code: ClientError.LinkTampered })
        {
            LengthFields = data => data.Length > 1 && data[0] == 1 ? ProtobufScan.Lengths(data, 1, data.Length) : [],
        };
    }

    /// <summary>The client's decoding of a delivery frame (DeliverySocket.ReceiveAsync): ServerFrame.Parser.</summary>
    private static FuzzTarget ServerFrameTarget() => new(
        "client-server-frame",
        "ServerFrame.Parser as DeliverySocket.ReceiveAsync runs it (envelopes, pongs, send results); a bad frame is InvalidProtocolBufferException, which the socket maps to BadServerResponse",
        () =>
        [
            new ServerFrame
            {
                Envelope = new Envelope
                {
                    Id = "018f3c1e-0000-7000-8000-000000000001", SourceUsername = "alice.01", SourceAccountId = AccountId.ToString("D"),
                    SourceDeviceId = 1, DestinationDeviceId = 2, ClientTimestamp = 1, ServerTimestamp = 2, Deadline = 3, Content = ByteString.CopyFrom(new byte[48]),
                },
            }.ToByteArray(),
            new ServerFrame { SendResult = new SendResult { RequestId = 7, Status = 409, Code = "mismatched_devices", MissingDevices = { 2, 3 }, Envelopes = { new SentEnvelopeId { DestinationDeviceId = 1, Id = "x" } } } }.ToByteArray(),
            new ServerFrame { Pong = new Pong { Nonce = 9 } }.ToByteArray(),
        ],
        input =>
        {
            var frame = ServerFrame.Parser.ParseFrom(input);
            FuzzCheckException.Check(ServerFrame.Parser.ParseFrom(frame.ToByteArray()).Equals(frame), "a re-encoded ServerFrame parses differently");
        },
        e => e is InvalidProtocolBufferException)
    {
        LengthFields = ProtobufScan.Lengths,
    };

    private static IReadOnlyList<byte[]> ContentCorpus()
    {
        var random = new SeededRandom("fuzz content");
        byte[] Bytes(int n)
        {
            var b = new byte[n];
            random.Fill(b);
            return b;
        }

        var pointer = new AttachmentPointer
        {
            BlobId = "0123456789abcdef0123456789abcdef",
            Key = ByteString.CopyFrom(Bytes(64)),
            Digest = ByteString.CopyFrom(Bytes(32)),
            Size = 12345,
            FileName = "holiday.jpg",
            ContentType = "image/jpeg",
        };
        var message = new Content
        {
            Version = 1,
            Id = ByteString.CopyFrom(Bytes(16)),
            Timestamp = 1_780_000_000_000,
            ExpireTimerSeconds = 3600,
            Message = new Message { Text = "hello ✓", QuoteId = ByteString.CopyFrom(Bytes(16)), Attachments = { pointer, pointer } },
        };
        var receipt = new Content { Version = 1, Id = ByteString.CopyFrom(Bytes(16)), Receipt = new Receipt { Type = Receipt.Types.Type.Read, MessageIds = { ByteString.CopyFrom(Bytes(16)), ByteString.CopyFrom(Bytes(16)) } } };
        var sent = new Content
        {
            Version = 1,
            Id = ByteString.CopyFrom(Bytes(16)),
            Sent = new SentTranscript { DestinationAccountId = AccountId.ToString("D"), DestinationUsername = "bob.42", Content = message },
        };
        var reaction = new Content { Version = 1, Id = ByteString.CopyFrom(Bytes(16)), Reaction = new Reaction { TargetId = ByteString.CopyFrom(Bytes(16)), TargetAuthor = AccountId.ToString("D"), Emoji = "👍" } };
        var edit = new Content { Version = 1, Id = ByteString.CopyFrom(Bytes(16)), Edit = new Edit { TargetId = ByteString.CopyFrom(Bytes(16)), Text = "fixed" } };
        return [message.ToByteArray(), receipt.ToByteArray(), sent.ToByteArray(), reaction.ToByteArray(), edit.ToByteArray()];
    }

    private sealed class AttachmentFixture
    {
        public static readonly AttachmentFixture Shared = new();

        private AttachmentFixture()
        {
            var random = new SeededRandom("fuzz attachment");
            Key = new byte[AttachmentCipher.KeySize];
            random.Fill(Key);
            var iv = new byte[16];
            random.Fill(iv);
            var plaintext = new byte[700];
            random.Fill(plaintext);
            using var blob = new MemoryStream();
            Digest = AttachmentCipher.EncryptAsync(new MemoryStream(plaintext), plaintext.Length, blob, Key, iv, CancellationToken.None).GetAwaiter().GetResult();
            Input = new byte[8 + blob.Length];
            BinaryPrimitives.WriteInt64BigEndian(Input, plaintext.Length);
            blob.ToArray().CopyTo(Input, 8);
        }

        public byte[] Key { get; }

        public byte[] Digest { get; }

        /// <summary>The pointer's size (8 bytes, big-endian) followed by the blob.</summary>
        public byte[] Input { get; }

        public static void Run(byte[] input)
        {
            var f = Shared;
            if (input.Length < 9)
            {
                throw new SottoClientException(ClientError.InvalidAttachment, "too short for the harness");
            }

            long size = BinaryPrimitives.ReadInt64BigEndian(input.AsSpan(1));
            var blob = input[9..];
            var digest = f.Digest;
            if (input[0] % 2 == 1 && blob.Length >= 32)
            {
                // A hostile sender knows the key: the blob's MAC and the pointer's digest match whatever it sends.
                HMACSHA256.HashData(f.Key.AsSpan(32), blob.AsSpan(0, blob.Length - 32), blob.AsSpan(blob.Length - 32));
                digest = SHA256.HashData(blob);
            }

            using var output = new MemoryStream();
            AttachmentCipher.DecryptAsync(new MemoryStream(blob), f.Key, digest, size, output, CancellationToken.None).GetAwaiter().GetResult();
            FuzzCheckException.Check(output.Length == size, "an accepted attachment decrypted to a different size than its pointer says");
        }
    }

    private sealed class ProvisioningFixture
    {
        public static readonly ProvisioningFixture Shared = new();

        private readonly byte[] _linkPrivate = new byte[32];
        private readonly byte[] _linkPublic = new byte[32];
        private readonly byte[] _code = "ABCD-EFGH-1234"u8.ToArray();
        private readonly byte[] _identityKey;

        private ProvisioningFixture()
        {
            var random = new SeededRandom("fuzz provisioning");
            X25519.GeneratePrivateKey(random, _linkPrivate);
            X25519.DerivePublicKey(_linkPrivate, _linkPublic);
            using var identity = IdentityKeyPair.Generate(random);
            _identityKey = identity.IdentityKey.Serialize();
            Plaintext = new ProvisionMessage
            {
                IdentityKeyPair = ByteString.CopyFrom(identity.Serialize()),
                AccountId = AccountId.ToString("D"),
                Username = "alice.01",
                ApproverDeviceId = 1,
            }.ToByteArray();
            Sealed = ProvisioningCipher.Encrypt(_linkPublic, _code, Plaintext, random);
        }

        public byte[] Plaintext { get; }

        public byte[] Sealed { get; }

        public static void Run(byte[] input)
        {
            var f = Shared;
            if (input.Length == 0)
            {
                throw new SottoClientException(ClientError.LinkTampered, "empty");
            }

            var message = input[0] % 2 == 0 ? input[1..] : ProvisioningCipher.Encrypt(f._linkPublic, f._code, input.AsSpan(1), new SeededRandom((ulong)input.Length));
            using var identity = SottoClient.OpenProvisionMessage(f._linkPrivate, f._code, message, AccountId, "alice.01", f._identityKey);
            FuzzCheckException.Check(identity.IdentityKey.Serialized.SequenceEqual(f._identityKey), "an accepted provisioning message carries another identity");
        }
    }
}
