namespace Sotto.Client;

/// <summary>
/// What went wrong, as a stable code (carried by <see cref="SottoClientException"/>). Values are explicit and only
/// ever appended (ClientErrorStabilityTests guards them): scripts and apps branch on them.
/// </summary>
public enum ClientError
{
    /// <summary>The profile has no account yet: register or link first.</summary>
    NotRegistered = 1,

    /// <summary>The profile already belongs to an account (re-registering needs an explicit request).</summary>
    AlreadyRegistered = 2,

    /// <summary>No account with this username on the server.</summary>
    UnknownUser = 3,

    /// <summary>
    /// The user's identity key changed since it was trusted: sending is blocked until the caller accepts the new key
    /// (<see cref="SottoClient.TrustAsync"/>) after comparing safety numbers.
    /// </summary>
    IdentityChanged = 4,

    /// <summary>The server refused the request; see <see cref="SottoClientException.HttpStatus"/> and <see cref="SottoClientException.ServerCode"/>.</summary>
    ServerRejected = 5,

    /// <summary>The server could not be reached or the connection broke.</summary>
    Network = 6,

    /// <summary>The link code is malformed, unknown, expired or already used.</summary>
    InvalidLinkCode = 7,

    /// <summary>The link request did not match its code, or the provisioning message did not decrypt: possible tampering.</summary>
    LinkTampered = 8,

    /// <summary>The server removed this device (unlinked, or the account re-registered or was deleted).</summary>
    DeviceRemoved = 9,

    /// <summary>The server answered something that is not the documented protocol.</summary>
    BadServerResponse = 10,

    /// <summary>The recipient's devices kept changing while sending; try again.</summary>
    DeviceListUnstable = 11,

    /// <summary>Waiting for a link approval ran out of time.</summary>
    LinkTimedOut = 12,

    /// <summary>Only device 1 may do this (e.g. re-register the account).</summary>
    NotPrimaryDevice = 13,

    /// <summary>The message referred to by id is not in this conversation.</summary>
    UnknownMessage = 14,

    /// <summary>Not allowed on this message: not its author, too late to edit, or already deleted.</summary>
    NotAllowed = 15,

    /// <summary>A disappearing-messages timer outside off or 5 seconds … 24 hours.</summary>
    InvalidTimer = 16,

    /// <summary>An attachment failed its size limit, digest or decryption.</summary>
    InvalidAttachment = 17,
}
