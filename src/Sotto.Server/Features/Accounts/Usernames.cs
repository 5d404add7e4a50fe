using Sotto.Server.Infrastructure;
using Sotto.Server.Storage;

namespace Sotto.Server.Features.Accounts;

/// <summary>
/// Username rules: 3–32 characters of a–z, 0–9 and '_', starting with a letter. Matching is case-insensitive: the
/// canonical form (what is stored, shown and put in envelopes) is lowercase ASCII.
/// </summary>
internal static class Usernames
{
    public const int MinLength = 3;
    public const int MaxLength = 32;

    public static bool TryCanonicalize(string? input, out string canonical)
    {
        canonical = string.Empty;
        if (input is null || input.Length is < MinLength or > MaxLength || !char.IsAsciiLetter(input[0]))
        {
            return false;
        }

        foreach (var c in input)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        canonical = input.ToLowerInvariant();
        return true;
    }

    public static string Canonicalize(string? input)
    {
        if (!TryCanonicalize(input, out var canonical))
        {
            Fail.InvalidUsername();
        }

        return canonical;
    }

    /// <summary>The account named <paramref name="username"/> (from a route), or a 400/404 problem.</summary>
    public static async Task<Account> FindAccountAsync(IAccountStore accounts, string username, CancellationToken cancellationToken)
    {
        var account = await accounts.FindByUsernameAsync(Canonicalize(username), cancellationToken).ConfigureAwait(false);
        if (account is null)
        {
            Fail.NotFound("No account has this username.");
        }

        return account;
    }
}
