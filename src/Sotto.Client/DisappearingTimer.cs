using System.Globalization;

namespace Sotto.Client;

/// <summary>
/// The disappearing-messages timer of a conversation (DESIGN.md §5): off, or a whole number of seconds from 5 to
/// 86,400 (24 hours).
/// </summary>
public static class DisappearingTimer
{
    public const uint MinSeconds = 5;
    public const uint MaxSeconds = 86_400;

    /// <summary>How long an unseen message is kept on a recipient's device (DESIGN.md §5).</summary>
    public static readonly TimeSpan UnseenLifetime = TimeSpan.FromDays(14);

    /// <summary>True for 0 (off) and 5 … 86,400.</summary>
    public static bool IsValid(uint seconds) => seconds == 0 || seconds is >= MinSeconds and <= MaxSeconds;

    /// <summary>
    /// Parses <c>off</c> or a duration such as <c>5s</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>, <c>24h</c>, <c>1h30m</c> or a
    /// plain number of seconds. Returns the seconds (0 for off).
    /// </summary>
    /// <exception cref="SottoClientException"><see cref="ClientError.InvalidTimer"/>: not a duration, or outside 5 s … 24 h.</exception>
    public static uint Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var value = text.Trim().ToLowerInvariant();
        if (value is "off" or "0")
        {
            return 0;
        }

        long total = 0;
        int i = 0;
        bool any = false;
        while (i < value.Length)
        {
            int start = i;
            while (i < value.Length && char.IsAsciiDigit(value[i]))
            {
                i++;
            }

            if (i == start || i - start > 6)
            {
                throw Invalid(text);
            }

            long number = long.Parse(value.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture);
            long unit = 1;
            if (i < value.Length)
            {
                unit = value[i] switch
                {
                    's' => 1,
                    'm' => 60,
                    'h' => 3600,
                    'd' => 86_400,
                    _ => throw Invalid(text),
                };
                i++;
            }
            else if (any)
            {
                throw Invalid(text);
            }

            total += number * unit;
            any = true;
        }

        if (!any || total < MinSeconds || total > MaxSeconds)
        {
            throw Invalid(text);
        }

        return (uint)total;
    }

    /// <summary>A short human form: 30s, 5m, 1h30m, 24h.</summary>
    public static string Format(uint seconds)
    {
        if (seconds == 0)
        {
            return "off";
        }

        var parts = new List<string>();
        uint h = seconds / 3600, m = seconds % 3600 / 60, s = seconds % 60;
        if (h > 0)
        {
            parts.Add(h.ToString(CultureInfo.InvariantCulture) + "h");
        }

        if (m > 0)
        {
            parts.Add(m.ToString(CultureInfo.InvariantCulture) + "m");
        }

        if (s > 0)
        {
            parts.Add(s.ToString(CultureInfo.InvariantCulture) + "s");
        }

        return string.Concat(parts);
    }

    private static SottoClientException Invalid(string text) =>
        new(ClientError.InvalidTimer, $"'{Truncate(text)}' is not a timer: use off, or 5s to 24h (e.g. 30s, 5m, 1h, 24h).");

    private static string Truncate(string text) => text.Length > 20 ? text[..20] + "…" : text;
}
