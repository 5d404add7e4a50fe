namespace Sotto.Server.Tests.Support;

/// <summary>
/// Waiting for something the server does in the background (a sweep, a delete after an ack). Polls until the
/// condition holds or a generous deadline passes: the deadline only matters when the test is going to fail anyway,
/// so it is sized for a machine at a load average of 30, not for a quiet one.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>True as soon as <paramref name="condition"/> holds; false when it still does not after <see cref="Patience"/>.</summary>
    public static async Task<bool> HoldsAsync(Func<ValueTask<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            if (await condition())
            {
                return true;
            }

            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}
