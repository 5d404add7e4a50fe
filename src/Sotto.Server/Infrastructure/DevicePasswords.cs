using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Sotto.Server.Storage;

namespace Sotto.Server.Infrastructure;

/// <summary>
/// Device passwords: 32 random bytes from the OS CSPRNG, given to the device once as base64url (43 characters), kept
/// by the server only as <c>HMAC-SHA256(key = 16-byte random salt, password)</c>. A 256-bit random secret needs no
/// slow password hash; the salt keeps equal hashes from revealing anything. Verification is constant-time.
/// </summary>
internal static class DevicePasswords
{
    public const int PasswordBytes = 32;
    public const int EncodedLength = 43;
    private const int SaltBytes = 16;

    public static (string Password, PasswordHash Hash) Generate()
    {
        Span<byte> secret = stackalloc byte[PasswordBytes];
        RandomNumberGenerator.Fill(secret);
        var password = Base64Url.EncodeToString(secret);
        CryptographicOperations.ZeroMemory(secret);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        return (password, new PasswordHash(salt, Hash(salt, password)));
    }

    public static bool Verify(PasswordHash stored, string password)
    {
        var candidate = Hash(stored.Salt, password);
        return CryptographicOperations.FixedTimeEquals(candidate, stored.Hash);
    }

    /// <summary>Burns the same work as a verification, so an unknown user costs as much time as a wrong password.</summary>
    public static void VerifyNothing(string password) => Hash(DummySalt, password);

    private static readonly byte[] DummySalt = new byte[SaltBytes];

    private static byte[] Hash(byte[] salt, string password)
    {
        int length = Encoding.UTF8.GetByteCount(password);
        byte[] rented = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        try
        {
            int written = Encoding.UTF8.GetBytes(password, rented);
            return HMACSHA256.HashData(salt, rented.AsSpan(0, written));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(rented.AsSpan(0, length));
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
