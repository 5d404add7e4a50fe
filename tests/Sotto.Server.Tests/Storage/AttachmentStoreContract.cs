using Sotto.Server.Storage;

namespace Sotto.Server.Tests.Storage;

/// <summary>The <see cref="IAttachmentStore"/> contract: metadata only; blobs are tested through the server.</summary>
public abstract class AttachmentStoreContract : StoreContract
{
    private static AttachmentRecord Record(string id, Guid account, DateTimeOffset deadline, long size = 1000) =>
        new(id, account, size, T0, deadline);

    private static string Id(int n) => n.ToString("x32", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task ACreatedRecordReadsBackWithEveryFieldUntilItsDeadline()
    {
        var owner = Guid.NewGuid();
        var record = Record(Id(1), owner, T0.AddDays(14), size: 100L * 1024 * 1024);

        Assert.True(await Attachments.TryCreateAsync(record, Ct));

        Assert.Equal(record, await Attachments.FindAsync(Id(1), T0, Ct));
        Assert.Equal(record, await Attachments.FindAsync(Id(1), T0.AddDays(14).AddMilliseconds(-1), Ct));
        Assert.Null(await Attachments.FindAsync(Id(1), T0.AddDays(14), Ct));
        Assert.Null(await Attachments.FindAsync(Id(2), T0, Ct));
    }

    [Fact]
    public async Task CreatingAnExistingIdChangesNothing()
    {
        var first = Record(Id(7), Guid.NewGuid(), T0.AddDays(1));
        Assert.True(await Attachments.TryCreateAsync(first, Ct));

        Assert.False(await Attachments.TryCreateAsync(Record(Id(7), Guid.NewGuid(), T0.AddDays(2), size: 5), Ct));

        Assert.Equal(first, await Attachments.FindAsync(Id(7), T0, Ct));
    }

    [Fact]
    public async Task FindExpiredListsOnlyRecordsAtOrPastTheirDeadlineEarliestFirstAndHonoursTheLimit()
    {
        var owner = Guid.NewGuid();
        await Attachments.TryCreateAsync(Record(Id(1), owner, T0.AddMinutes(3)), Ct);
        await Attachments.TryCreateAsync(Record(Id(2), owner, T0.AddMinutes(1)), Ct);
        await Attachments.TryCreateAsync(Record(Id(3), owner, T0.AddMinutes(2)), Ct);
        await Attachments.TryCreateAsync(Record(Id(4), owner, T0.AddDays(1)), Ct);

        var expired = await Attachments.FindExpiredAsync(T0.AddMinutes(3), 10, Ct);
        var limited = await Attachments.FindExpiredAsync(T0.AddMinutes(3), 2, Ct);

        Assert.Equal([Id(2), Id(3), Id(1)], expired.Select(r => r.Id));
        Assert.Equal([Id(2), Id(3)], limited.Select(r => r.Id));
        Assert.Empty(await Attachments.FindExpiredAsync(T0, 10, Ct));
    }

    [Fact]
    public async Task DeleteRemovesTheGivenRecordsAndIgnoresUnknownIds()
    {
        var owner = Guid.NewGuid();
        await Attachments.TryCreateAsync(Record(Id(1), owner, T0.AddDays(1)), Ct);
        await Attachments.TryCreateAsync(Record(Id(2), owner, T0.AddDays(1)), Ct);

        Assert.Equal(1, await Attachments.DeleteAsync([Id(1), Id(9)], Ct));

        Assert.Null(await Attachments.FindAsync(Id(1), T0, Ct));
        Assert.NotNull(await Attachments.FindAsync(Id(2), T0, Ct));
        Assert.Equal(0, await Attachments.DeleteAsync([Id(1)], Ct));
    }
}
