namespace Sotto.Wire;

/// <summary>Envelope ids are GUIDs written as lowercase <c>8-4-4-4-12</c> (format "D") in JSON and in protobuf.</summary>
public static class EnvelopeIds
{
    public const int Length = 36;

    public static string Format(Guid id) => id.ToString("D");

    /// <summary>Parses exactly the "D" format; anything else (other lengths, braces, garbage) is refused.</summary>
    public static bool TryParse(string? text, out Guid id)
    {
        if (text is null || text.Length != Length)
        {
            id = default;
            return false;
        }

        return Guid.TryParseExact(text, "D", out id);
    }
}
