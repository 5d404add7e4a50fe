using System.Collections.Concurrent;

namespace Sotto.Server.Storage.Sqlite;

/// <summary>
/// Accounts with their devices, kept in memory for the two reads every message pays: authenticating the sender (by
/// username and device id) and looking up the destination's devices (by username, then by account id). Owned by one
/// <see cref="SqliteDatabase"/>; only the SQLite stores read and invalidate it.
/// </summary>
/// <remarks>
/// Validity is a generation number rather than per-entry bookkeeping:
/// <code>
///   lookup:    entry.Generation == current ? hit : miss
///   miss:      g = current; read account + devices from SQLite; store entry(g)      (kept only while g is current)
///   change:    commit the transaction that removes or changes devices or accounts; then current += 1
/// </code>
/// An entry read before a change committed carries a generation older than the one the change leaves behind, so it is
/// never served after the change's store call has returned — a removed device fails authentication at once.
/// Creating an account needs no invalidation: misses are not cached. The entry count is bounded; past the bound the
/// cache starts over.
/// </remarks>
internal sealed class AccountDirectory
{
    public const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, Entry> _byUsername = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, Entry> _byId = new();
    private long _generation;

    public long Generation => Volatile.Read(ref _generation);

    public Entry? Find(string username) =>
        _byUsername.TryGetValue(username, out var entry) && entry.Generation == Generation ? entry : null;

    public Entry? Find(Guid accountId) =>
        _byId.TryGetValue(accountId, out var entry) && entry.Generation == Generation ? entry : null;

    /// <summary>Keeps <paramref name="entry"/> if nothing changed since its generation was taken.</summary>
    public void Remember(Entry entry)
    {
        if (entry.Generation != Generation)
        {
            return;
        }

        if (_byUsername.Count >= MaxEntries)
        {
            _byUsername.Clear();
            _byId.Clear();
        }

        _byUsername[entry.Account.Username] = entry;
        _byId[entry.Account.Id] = entry;
    }

    /// <summary>Call after a committed change to accounts or devices: every entry taken before it stops being served.</summary>
    public void Invalidate() => Interlocked.Increment(ref _generation);

    public sealed record Entry(long Generation, Account Account, IReadOnlyList<Device> Devices)
    {
        public Device? Device(uint deviceId)
        {
            foreach (var device in Devices)
            {
                if (device.Address.DeviceId == deviceId)
                {
                    return device;
                }
            }

            return null;
        }
    }
}
