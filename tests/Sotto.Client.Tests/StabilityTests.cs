using Google.Protobuf;
using Google.Protobuf.Reflection;
using Sotto.Client.Storage;

namespace Sotto.Client.Tests;

/// <summary>
/// Values that are persisted or travel on the wire are only ever appended (STYLE.md §3, Garnet
/// <c>PersistedEnumStabilityTests</c>): changing one of these breaks stored profiles, scripts or older clients.
/// </summary>
public sealed class StabilityTests
{
    [Fact]
    public void ClientErrorValuesAreStable()
    {
        Assert.Equal(
            [
                ("NotRegistered", 1), ("AlreadyRegistered", 2), ("UnknownUser", 3), ("IdentityChanged", 4), ("ServerRejected", 5),
                ("Network", 6), ("InvalidLinkCode", 7), ("LinkTampered", 8), ("DeviceRemoved", 9), ("BadServerResponse", 10),
                ("DeviceListUnstable", 11), ("LinkTimedOut", 12), ("NotPrimaryDevice", 13), ("UnknownMessage", 14), ("NotAllowed", 15),
                ("InvalidTimer", 16), ("InvalidAttachment", 17),
            ],
            Enum.GetValues<ClientError>().Select(v => (v.ToString(), (int)v)));
    }

    [Fact]
    public void StoredHistoryEnumsAreStable()
    {
        Assert.Equal([("Message", 1), ("IdentityChanged", 2), ("DecryptionFailed", 3), ("TimerChanged", 4)], Enum.GetValues<HistoryKind>().Select(v => (v.ToString(), (int)v)));
        Assert.Equal([("Received", 0), ("Sending", 1), ("Sent", 2), ("Failed", 3), ("Delivered", 4), ("Read", 5)], Enum.GetValues<DeliveryStatus>().Select(v => (v.ToString(), (int)v)));
    }

    [Fact]
    public void ContentSchemaFieldNumbersAreStable()
    {
        static IEnumerable<(string, int)> Fields(MessageDescriptor d) => d.Fields.InFieldNumberOrder().Select(f => (f.Name, f.FieldNumber));

        var content = Sotto.Client.Content.Content.Descriptor;
        Assert.Equal("sotto.content.v1.Content", content.FullName);
        Assert.Equal(
            [("version", 1), ("id", 2), ("timestamp", 3), ("expire_timer_seconds", 4), ("message", 10), ("reaction", 11), ("edit", 12),
             ("delete", 13), ("timer_update", 14), ("receipt", 15), ("typing", 16), ("sent", 17)],
            Fields(content));
        Assert.Equal([("text", 1), ("quote_id", 2), ("attachments", 3)], Fields(Sotto.Client.Content.Message.Descriptor));
        Assert.Equal([("blob_id", 1), ("key", 2), ("digest", 3), ("size", 4), ("file_name", 5), ("content_type", 6)], Fields(Sotto.Client.Content.AttachmentPointer.Descriptor));
        Assert.Equal([("target_id", 1), ("target_author", 2), ("emoji", 3), ("remove", 4)], Fields(Sotto.Client.Content.Reaction.Descriptor));
        Assert.Equal([("target_id", 1), ("text", 2)], Fields(Sotto.Client.Content.Edit.Descriptor));
        Assert.Equal([("target_id", 1)], Fields(Sotto.Client.Content.Delete.Descriptor));
        Assert.Equal([("seconds", 1)], Fields(Sotto.Client.Content.TimerUpdate.Descriptor));
        Assert.Equal([("type", 1), ("message_ids", 2)], Fields(Sotto.Client.Content.Receipt.Descriptor));
        Assert.Equal([("started", 1)], Fields(Sotto.Client.Content.Typing.Descriptor));
        Assert.Equal([("destination_account_id", 1), ("destination_username", 2), ("content", 3)], Fields(Sotto.Client.Content.SentTranscript.Descriptor));
    }

    [Fact]
    public void ContentWithUnknownKindParsesWithNoKind()
    {
        // A newer client's kind (field 99, a length-delimited message) is skipped by this reader, not an error.
        var bytes = new Sotto.Client.Content.Content { Version = 2, Id = ByteString.CopyFrom(new byte[16]) }.ToByteArray()
            .Concat(new byte[] { 0x9A, 0x06, 2, 0x08, 0x01 }).ToArray();
        var parsed = Sotto.Client.Content.Content.Parser.ParseFrom(bytes);
        Assert.Equal(Sotto.Client.Content.Content.KindOneofCase.None, parsed.KindCase);
        Assert.Equal(2u, parsed.Version);
    }
}

public sealed class UsernameTests
{
    [Theory]
    [InlineData("alice", "alice")]
    [InlineData("Bob_2", "bob_2")]
    [InlineData("abc", "abc")]
    [InlineData("a2345678901234567890123456789012", "a2345678901234567890123456789012")]
    public void ValidUsernamesAreLowerCased(string input, string expected) => Assert.Equal(expected, SottoClient.NormalizeUsername(input));

    [Theory]
    [InlineData("")]
    [InlineData("ab")]
    [InlineData("1abc")]
    [InlineData("_abc")]
    [InlineData("a-b-c")]
    [InlineData("alice!")]
    [InlineData("a23456789012345678901234567890123")]
    [InlineData("ålice")]
    public void InvalidUsernamesThrowArgumentException(string input) => Assert.Throws<ArgumentException>(() => SottoClient.NormalizeUsername(input));
}
