using System.ComponentModel.DataAnnotations;

namespace Sotto.Server.Features.Accounts;

/// <summary>Configuration section <c>Accounts</c>.</summary>
public sealed class AccountOptions : IValidatableObject
{
    public const string Section = "Accounts";

    /// <summary>
    /// When non-empty, registration needs one of these codes (reusable; compared in constant time). Set them as
    /// <c>Accounts:InviteCodes:0</c>, <c>Accounts:InviteCodes:1</c>, … or <c>Accounts__InviteCodes__0</c>.
    /// </summary>
    public List<string> InviteCodes { get; set; } = [];

    /// <summary>Largest opaque device name accepted, in bytes.</summary>
    [Range(0, 4096)]
    public int MaxDeviceNameBytes { get; set; } = 256;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var code in InviteCodes)
        {
            if (string.IsNullOrWhiteSpace(code) || code.Length > 128)
            {
                yield return new ValidationResult("Each invite code must be 1 to 128 non-blank characters.", [nameof(InviteCodes)]);
            }
        }
    }
}
