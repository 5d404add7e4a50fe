using System.Text;

namespace Sotto.Client.Linking;

/// <summary>
/// The code a new device prints and the user types on an existing device: the server's link code and the new
/// device's ephemeral public key, <c>XXXXX-XXXXX:&lt;base64url key&gt;</c>. The key part is what makes linking safe
/// against the server: the approving device encrypts to the key the user carried over, never to one the server
/// hands out (<see cref="ProvisioningCipher"/>).
/// </summary>
internal readonly record struct LinkCode(string ServerCode, byte[] PublicKey)
{
    public const int ServerCodeLength = 10;

    public override string ToString() => ServerCode + ":" + Convert.ToBase64String(PublicKey).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The server code as bound into the provisioning message: upper case, no dash, Crockford look-alikes mapped.</summary>
    public byte[] NormalizedServerCode => Encoding.ASCII.GetBytes(Normalize(ServerCode) ?? string.Empty);

    public static bool TryParse(string? text, out LinkCode code)
    {
        code = default;
        if (text is null || text.Length > 128)
        {
            return false;
        }

        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return false;
        }

        var serverCode = text[..colon].Trim();
        if (Normalize(serverCode) is null)
        {
            return false;
        }

        var keyText = text[(colon + 1)..].Trim().Replace('-', '+').Replace('_', '/');
        if (keyText.Length != 43)
        {
            return false;
        }

        var key = new byte[32];
        if (!Convert.TryFromBase64String(keyText + "=", key, out int written) || written != 32)
        {
            return false;
        }

        code = new LinkCode(serverCode, key);
        return true;
    }

    /// <summary>Crockford base32 as the server reads it (case and dashes ignored, I/L → 1, O → 0), or null when malformed.</summary>
    public static string? Normalize(string serverCode)
    {
        var builder = new StringBuilder(ServerCodeLength);
        foreach (char raw in serverCode)
        {
            if (raw == '-')
            {
                continue;
            }

            char c = char.ToUpperInvariant(raw);
            c = c switch
            {
                'I' or 'L' => '1',
                'O' => '0',
                _ => c,
            };
            if (!(char.IsAsciiDigit(c) || (char.IsAsciiLetterUpper(c) && c is not ('U'))))
            {
                return null;
            }

            builder.Append(c);
        }

        return builder.Length == ServerCodeLength ? builder.ToString() : null;
    }
}
