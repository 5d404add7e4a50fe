using BenchmarkDotNet.Attributes;
using Sotto.Server.Storage;

namespace Sotto.Benchmarks.Relay;

/// <summary>
/// The relay pipeline without sockets (Garnet <c>BDN.benchmark/Embedded</c>), on real SQLite with the production
/// durability setting (<c>synchronous=FULL</c>; <c>Normal</c> for comparison):
/// <list type="bullet">
/// <item><see cref="StoreInsertAndDelete"/> (the anchor): one envelope inserted and deleted through the store, each
/// committed — the storage floor of a message.</item>
/// <item><see cref="Send"/>: one send as the REST handler runs it after JSON binding (validation, destination and
/// device lookup, committed insert, bus notification) to a device that is not connected.</item>
/// <item><see cref="Relay"/>: <see cref="Burst"/> sends in flight at once between 64 connected devices; each ends when
/// the recipient's client loop has received, parsed and acknowledged the envelope (the ack's delete is committed in
/// the background and is paid for inside later iterations).</item>
/// <item><see cref="RelaySequential"/>: the same one message at a time — no batching of commits.</item>
/// </list>
/// </summary>
/// <remarks>dotnet run -c Release --project bench/Sotto.Benchmarks -- --filter '*RelayBenchmarks*'</remarks>
[MemoryDiagnoser]
public class RelayBenchmarks
{
    public const int Burst = 512;
    private const int DeviceCount = 64;
    private static readonly byte[] Content = new byte[188];

    private EmbeddedRelay _relay = null!;
    private Sotto.Server.Infrastructure.AuthenticatedDevice _offline = null!;
    private int _next;

    [Params("Full", "Normal")]
    public string Synchronous { get; set; } = "Full";

    [GlobalSetup]
    public void Setup()
    {
        Random.Shared.NextBytes(Content);
        _relay = new EmbeddedRelay(Synchronous);
        _relay.RegisterAsync(DeviceCount + 1).GetAwaiter().GetResult();
        _offline = _relay.Devices[DeviceCount];
        _relay.ConnectAsync(_relay.Devices[..DeviceCount]).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => _relay.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true)]
    public async Task StoreInsertAndDelete()
    {
        var from = _relay.Devices[0];
        var now = DateTimeOffset.UtcNow;
        var id = Guid.CreateVersion7(now);
        var stored = await _relay.Store.InsertAsync([new NewEnvelope(id, _offline.Address, _offline.Device.RegistrationId, 2, from.Account.Id, from.Account.Username, 1, 0, now, now.AddDays(14), Content)]).ConfigureAwait(false);
        if (stored is null || await _relay.Store.DeleteAsync(_offline.Address, [id]).ConfigureAwait(false) != 1)
        {
            throw new InvalidOperationException("insert or delete did nothing");
        }
    }

    [Benchmark]
    public async Task Send()
    {
        // Nothing is pushed: each operation's envelope stays queued (the offline queue grows by one row per operation).
        var from = _relay.Devices[_next++ % DeviceCount];
        await _relay.Messages.SendAsync(from, _offline.Account.Username, EmbeddedRelay.Request(_offline, Content), CancellationToken.None).ConfigureAwait(false);
    }

    [Benchmark(OperationsPerInvoke = Burst)]
    public async Task Relay()
    {
        var delivered = _relay.ExpectDeliveries(Burst);
        var sends = new Task[Burst];
        for (int i = 0; i < Burst; i++)
        {
            var (from, to) = Pair();
            sends[i] = _relay.Messages.SendAsync(from, to.Account.Username, EmbeddedRelay.Request(to, Content), CancellationToken.None);
        }

        await Task.WhenAll(sends).ConfigureAwait(false);
        await delivered.ConfigureAwait(false);
    }

    [Benchmark]
    public async Task RelaySequential()
    {
        var delivered = _relay.ExpectDeliveries(1);
        var (from, to) = Pair();
        await _relay.Messages.SendAsync(from, to.Account.Username, EmbeddedRelay.Request(to, Content), CancellationToken.None).ConfigureAwait(false);
        await delivered.ConfigureAwait(false);
    }

    private (Sotto.Server.Infrastructure.AuthenticatedDevice From, Sotto.Server.Infrastructure.AuthenticatedDevice To) Pair()
    {
        int n = _next++;
        int from = n % DeviceCount;
        int to = (from + 1 + (n / DeviceCount % (DeviceCount - 1))) % DeviceCount;
        return (_relay.Devices[from], _relay.Devices[to]);
    }
}
