using System.Buffers.Text;
using System.Security.Cryptography;

namespace Sotto.Server.Features.Devices;

/// <summary>
/// Link codes and link tokens. A code is 10 characters of Crockford base32 (50 bits), shown as <c>XXXXX-XXXXX</c> and
/// typed by a person, so input ignores case and dashes and reads I/L as 1 and O as 0. The token is 32 random bytes
/// (base64url) that only the new device knows; the server stores its SHA-256.
/// </summary>
internal static class LinkCodes
{
    public const int Length = 10;
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string NewCode() => new(RandomNumberGenerator.GetItems<char>(Alphabet, Length));

    public static string Display(string code) => code[..5] + "-" + code[5..];

    public static bool TryCanonicalize(string? input, out string code)
    {
        code = string.Empty;
        if (input is null || input.Length > 2 * Length)
        {
            return false;
        }

        Span<char> buffer = stackalloc char[Length];
        int n = 0;
        foreach (var raw in input)
        {
            if (raw == '-')
            {
                continue;
            }

            var c = char.ToUpperInvariant(raw) switch
            {
                'I' or 'L' => '1',
                'O' => '0',
                var other => other,
            };
            if (n == Length || !Alphabet.Contains(c, StringComparison.Ordinal))
            {
                return false;
            }

            buffer[n++] = c;
        }

        if (n != Length)
        {
            return false;
        }

        code = new string(buffer);
        return true;
    }

    public static (string Token, byte[] Hash) NewToken()
    {
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        return (token, HashToken(token));
    }

    public static bool TokenMatches(string? token, byte[] hash) =>
        token is { Length: 43 } && Base64Url.IsValid(token) && CryptographicOperations.FixedTimeEquals(HashToken(token), hash);

    private static byte[] HashToken(string token) => SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(token));
}
