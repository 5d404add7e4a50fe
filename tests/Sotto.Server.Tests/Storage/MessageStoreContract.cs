using Sotto.Server.Storage;

namespace Sotto.Server.Tests.Storage;

/// <summary>The <see cref="IMessageStore"/> contract: durability is tested against the process in Durability/.</summary>
public abstract class MessageStoreContract : StoreContract
{
    [Fact]
    public async Task InsertedEnvelopesReadBackInSequenceOrderWithEveryField()
    {
        var alice = await CreateAccountAsync("alice");
        var bob = await CreateAccountAsync("bob");
        var to = new DeviceAddress(bob.Id, 1);
        var sent = new[] { Envelope(to, 11, alice, 1), Envelope(to, 11, alice, 2, T0.AddHours(1)), Envelope(to, 11, alice, 3, size: 256 * 1024) };

        var stored = await Messages.InsertAsync(sent, Ct);

        Assert.NotNull(stored);
        Assert.Equal(sent.Select(e => e.Id), stored.Select(e => e.Id));
        Assert.True(stored[0].Sequence < stored[1].Sequence && stored[1].Sequence < stored[2].Sequence);
        var read = await Messages.ReadAsync(to, 0, 10, T0, Ct);
        Assert.Equal(stored.Select(e => e.Id), read.Select(e => e.Id));
        Assert.Equal(stored.Select(e => e.Sequence), read.Select(e => e.Sequence));
        var e = read[1];
        Assert.Equal(to, e.Destination);
        Assert.Equal(2, e.Type);
        Assert.Equal(alice.Id, e.SourceAccountId);
        Assert.Equal("alice", e.SourceUsername);
        Assert.Equal(1u, e.SourceDeviceId);
        Assert.Equal(1_764_190_000_000, e.ClientTimestamp);
        Assert.Equal(T0, e.ServerTimestamp);
        Assert.Equal(T0.AddHours(1), e.Deadline);
        Assert.Equal(Bytes(100, 2), e.Content);
        Assert.Equal(256 * 1024, read[2].Content.Length);
    }

    [Fact]
    public async Task InsertWithAStaleRegistrationIdStoresNothing()
    {
        var alice = await CreateAccountAsync("alice");
        var bob = await CreateAccountAsync("bob");
        var bob2 = await LinkDeviceAsync(bob, 22);

        var stored = await Messages.InsertAsync([Envelope(new DeviceAddress(bob.Id, 1), 11, alice, 1), Envelope(bob2, 23, alice, 2)], Ct);

        Assert.Null(stored);
        Assert.Equal(0, await Messages.CountAsync(new DeviceAddress(bob.Id, 1), Ct));
        Assert.Equal(0, await Messages.CountAsync(bob2, Ct));
    }

    [Fact]
    public async Task InsertForAnUnknownDeviceStoresNothing()
    {
        var alice = await CreateAccountAsync("alice");
        var bob = await CreateAccountAsync("bob");

        Assert.Null(await Messages.InsertAsync([Envelope(new DeviceAddress(bob.Id, 1), 11, alice, 1), Envelope(new DeviceAddress(bob.Id, 2), 11, alice, 2)], Ct));
        Assert.Equal(0, await Messages.CountAsync(new DeviceAddress(bob.Id, 1), Ct));
    }

    [Fact]
    public async Task ReadContinuesAfterTheGivenSequenceAndHonoursTheLimit()
    {
        var alice = await CreateAccountAsync("alice");
        var bob = await CreateAccountAsync("bob");
        var to = new DeviceAddress(bob.Id, 1);
        var stored = await Messages.InsertAsync(Enumerable.Range(0, 10).Select(i => Envelope(to, 11, alice, (byte)i)).ToArray(), Ct);

        var first = await Messages.ReadAsync(to, 0, 4, T0, Ct);
        var rest = await Messages.ReadAsync(to, first[^1].Sequence, 100, T0, Ct);

        Assert.Equal(stored!.Take(4).Select(e => e.Id), first.Select(e => e.Id));
        Assert.Equal(stored!.Skip(4).Select(e => e.Id), rest.Select(e => e.Id));
    }

    [Fact]
    public async Task ReadSkipsEnvelopesPastTheirDeadline()
    {
        var alice = await CreateAccountAsync("alice");
        var bob = await CreateAccountAsync("bob");
        var to = new DeviceAddress(bob.Id, 1);
        var stored = await Messages.InsertAsync([Envelope(to, 11, alice, 1, T0.AddMinutes(1)), Envelope(to, 11, alice, 2, T0.AddMinutes(10))], Ct);

        var read = await Messages.ReadAsync(to, 0, 10, T0.AddMinutes(1), Ct);

        Assert.Equal(stored![1].Id, Assert.Single(read).Id);
    }

    [Fact]
    public async Task DeleteRemovesOnlyTheNamedEnvelopesOfThatDevice()
    {
        var alice = await CreateAccountAsync("alice");
        var bob = await CreateAccountAsync("bob");
        var bob1 = new DeviceAddress(bob.Id, 1);
        var bob2 = await LinkDeviceAsync(bob, 22);
        var stored = await Messages.InsertAsync([Envelope(bob1, 11, alice, 1), Envelope(bob1, 11, alice, 2), Envelope(bob2, 22, alice, 3)], Ct);

        Assert.Equal(0, await Messages.DeleteAsync(bob1, [stored![2].Id], Ct));
        Assert.Equal(1, await Messages.DeleteAsync(bob1, [stored[0].Id, Guid.NewGuid()], Ct));
        Assert.Equal(0, await Messages.DeleteAsync(bob1, [stored[0].Id], Ct));

        Assert.Equal(stored[1].Id, Assert.Single(await Messages.ReadAsync(bob1, 0, 10, T0, Ct)).Id);
        Assert.Equal(stored[2].Id, Assert.Single(await Messages.ReadAsync(bob2, 0, 10, T0, Ct)).Id);
    }

    [Fact]
    public async Task AcknowledgedEnvelopesOfSeveralDevicesAreDeletedInOneCallOnlyWhereDeviceSequenceAndIdMatch()
    {
        var alice = await CreateAccountAsync("alice");
        var bob = await CreateAccountAsync("bob");
        var bob1 = new DeviceAddress(bob.Id, 1);
        var bob2 = await LinkDeviceAsync(bob, 22);
        var stored = await Messages.InsertAsync([Envelope(bob1, 11, alice, 1), Envelope(bob1, 11, alice, 2), Envelope(bob2, 22, alice, 3), Envelope(bob2, 22, alice, 4)], Ct);
        static EnvelopeKey Key(StoredEnvelope e) => new(e.Id, e.Sequence);

        int deleted = await Messages.DeleteAsync(
            [
                new AcknowledgedEnvelope(bob1, Key(stored![0])),
                new AcknowledgedEnvelope(bob2, Key(stored[2])),
                new AcknowledgedEnvelope(bob1, Key(stored[3])), // bob2's envelope under bob1: no match
                new AcknowledgedEnvelope(bob2, new EnvelopeKey(Guid.NewGuid(), stored[3].Sequence)), // wrong id
                new AcknowledgedEnvelope(bob1, Key(stored[0])), // twice in one call: counted once
            ],
            Ct);

        Assert.Equal(2, deleted);
        Assert.Equal(stored[1].Id, Assert.Single(await Messages.ReadAsync(bob1, 0, 10, T0, Ct)).Id);
        Assert.Equal(stored[3].Id, Assert.Single(await Messages.ReadAsync(bob2, 0, 10, T0, Ct)).Id);
        Assert.Equal(0, await Messages.DeleteAsync(Array.Empty<AcknowledgedEnvelope>(), Ct));
    }

    [Fact]
    public async Task DeleteByKeyNeedsTheSequenceAndTheIdOfThatDevicesEnvelope()
    {
        var alice = await CreateAccountAsync("alice");
        var bob = await CreateAccountAsync("bob");
        var bob1 = new DeviceAddress(bob.Id, 1);
        var bob2 = await LinkDeviceAsync(bob, 22);
        var stored = await Messages.InsertAsync([Envelope(bob1, 11, alice, 1), Envelope(bob1, 11, alice, 2), Envelope(bob2, 22, alice, 3)], Ct);
        static EnvelopeKey Key(StoredEnvelope e) => new(e.Id, e.Sequence);

        Assert.Equal(0, await Messages.DeleteAsync(bob1, [Key(stored![2])], Ct));
        Assert.Equal(0, await Messages.DeleteAsync(bob1, [new EnvelopeKey(stored[1].Id, stored[0].Sequence)], Ct));
        Assert.Equal(0, await Messages.DeleteAsync(bob1, [new EnvelopeKey(Guid.NewGuid(), stored[0].Sequence)], Ct));
        Assert.Equal(1, await Messages.DeleteAsync(bob1, [Key(stored[0])], Ct));
        Assert.Equal(0, await Messages.DeleteAsync(bob1, [Key(stored[0])], Ct));

        Assert.Equal(stored[1].Id, Assert.Single(await Messages.ReadAsync(bob1, 0, 10, T0, Ct)).Id);
        Assert.Equal(stored[2].Id, Assert.Single(await Messages.ReadAsync(bob2, 0, 10, T0, Ct)).Id);
    }

    [Fact]
    public async Task DeleteExpiredRemovesOnlyEnvelopesAtOrPastTheirDeadline()
    {
        var alice = await CreateAccountAsync("alice");
        var bob = await CreateAccountAsync("bob");
        var to = new DeviceAddress(bob.Id, 1);
        await Messages.InsertAsync([Envelope(to, 11, alice, 1, T0.AddMinutes(1)), Envelope(to, 11, alice, 2, T0.AddMinutes(2)), Envelope(to, 11, alice, 3, T0.AddMinutes(3))], Ct);

        Assert.Equal(2, await Messages.DeleteExpiredAsync(T0.AddMinutes(2), 100, Ct));

        Assert.Equal(1, await Messages.CountAsync(to, Ct));
        Assert.Equal(0, await Messages.DeleteExpiredAsync(T0.AddMinutes(2), 100, Ct));
    }

    [Fact]
    public async Task DeleteExpiredHonoursItsLimit()
    {
        var alice = await CreateAccountAsync("alice");
        var bob = await CreateAccountAsync("bob");
        var to = new DeviceAddress(bob.Id, 1);
        await Messages.InsertAsync(Enumerable.Range(0, 5).Select(i => Envelope(to, 11, alice, (byte)i, T0)).ToArray(), Ct);

        Assert.Equal(3, await Messages.DeleteExpiredAsync(T0, 3, Ct));
        Assert.Equal(2, await Messages.CountAsync(to, Ct));
    }

    [Fact]
    public async Task SequencesAreNeverReusedAfterTheNewestEnvelopeIsDeleted()
    {
        var alice = await CreateAccountAsync("alice");
        var bob = await CreateAccountAsync("bob");
        var to = new DeviceAddress(bob.Id, 1);
        var first = await Messages.InsertAsync([Envelope(to, 11, alice, 1)], Ct);
        await Messages.DeleteAsync(to, [first![0].Id], Ct);

        var second = await Messages.InsertAsync([Envelope(to, 11, alice, 2)], Ct);

        Assert.True(second![0].Sequence > first[0].Sequence);
        Assert.Equal(second[0].Id, Assert.Single(await Messages.ReadAsync(to, first[0].Sequence, 10, T0, Ct)).Id);
    }

    [Fact]
    public async Task DeviceSequencesCountEachDevicesEnvelopesWithoutGapsEvenAfterRefusalsAndDeletes()
    {
        var alice = await CreateAccountAsync("alice");
        var bob = await CreateAccountAsync("bob");
        var bob1 = new DeviceAddress(bob.Id, 1);
        var bob2 = await LinkDeviceAsync(bob, 22);

        var first = await Messages.InsertAsync([Envelope(bob1, 11, alice, 1), Envelope(bob2, 22, alice, 2)], Ct);
        Assert.Null(await Messages.InsertAsync([Envelope(bob1, 11, alice, 3), Envelope(bob2, 99, alice, 4)], Ct));
        await Messages.DeleteAsync(bob1, [first![0].Id], Ct);
        var second = await Messages.InsertAsync([Envelope(bob1, 11, alice, 5)], Ct);
        var third = await Messages.InsertAsync([Envelope(bob1, 11, alice, 6), Envelope(bob2, 22, alice, 7)], Ct);

        Assert.Equal([1L, 1L], first.Select(e => e.DeviceSequence));
        Assert.Equal(2L, second![0].DeviceSequence);
        Assert.Equal([3L, 2L], third!.Select(e => e.DeviceSequence));
        Assert.Equal([2L, 3L], (await Messages.ReadAsync(bob1, 0, 10, T0, Ct)).Select(e => e.DeviceSequence));
    }

    [Fact]
    public async Task ConcurrentInsertsAreAllReadableInIncreasingSequenceOrder()
    {
        var alice = await CreateAccountAsync("alice");
        var bob = await CreateAccountAsync("bob");
        var to = new DeviceAddress(bob.Id, 1);

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Messages.InsertAsync([Envelope(to, 11, alice, (byte)i)], Ct).AsTask()));

        var read = await Messages.ReadAsync(to, 0, 1000, T0, Ct);
        Assert.Equal(200, read.Count);
        Assert.Equal(results.Select(r => r![0].Id).Order(), read.Select(e => e.Id).Order());
        Assert.Equal(read.Select(e => e.Sequence).Order(), read.Select(e => e.Sequence));
        Assert.Equal(200, read.Select(e => e.Sequence).Distinct().Count());
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), read.Select(e => e.DeviceSequence));
    }
}
