using Sotto.TestSupport;

namespace Sotto.Crypto.Tests.Kem;

/// <summary>
/// The official Kyber1024 round-3 KAT (<c>tests/vectors/kyber/PQCkemKAT_3168.rsp</c>, 100 entries). The KAT was
/// made by <c>PQCgenKAT_kem</c>: a master DRBG seeded with bytes 0…47 draws each entry's 48-byte <c>seed</c>;
/// then, with the DRBG reseeded from <c>seed</c>,
/// <code>
///   keypair:  d = randombytes(32), z = randombytes(32)         sk = sk_pke ‖ pk ‖ SHA3-256(pk) ‖ z
///   enc:      m = SHA3-256(randombytes(32))                    → (ct, ss)
///   dec:      (sk, ct)                                         → ss
/// </code>
/// Key generation is not compared: round 3 expands d with SHA3-512(d) where FIPS 203 (whose key generation
/// <see cref="Kyber1024.GenerateKeyPair"/> uses) hashes d ‖ k, so the same d gives a different key pair. Everything
/// else is: the DRBG reproduces the seeds and z, encapsulation with the DRBG reproduces (ct, ss), and
/// decapsulation of (sk, ct) gives ss.
/// </summary>
public sealed class Kyber1024KatTests
{
    private static readonly Lazy<IReadOnlyList<KatEntry>> Entries = new(Load);

    public static TheoryData<int> Counts => [.. Enumerable.Range(0, Entries.Value.Count)];

    [Fact]
    public void KatHoldsOneHundredEntriesOfTheRightSizes()
    {
        Assert.Equal(100, Entries.Value.Count);
        Assert.Equal(100, Counts.Count);
        Assert.All(Entries.Value, e =>
        {
            Assert.Equal(48, e.Seed.Length);
            Assert.Equal(Kyber1024.PublicKeySize, e.PublicKey.Length);
            Assert.Equal(Kyber1024.SecretKeySize, e.SecretKey.Length);
            Assert.Equal(Kyber1024.CiphertextSize, e.Ciphertext.Length);
            Assert.Equal(Kyber1024.SharedSecretSize, e.SharedSecret.Length);
        });
    }

    [Fact]
    public void MasterDrbgReproducesEverySeed()
    {
        var entropy = new byte[48];
        for (int i = 0; i < entropy.Length; i++)
        {
            entropy[i] = (byte)i;
        }

        using var master = new NistKatDrbg(entropy);
        var seed = new byte[48];
        foreach (var entry in Entries.Value)
        {
            master.Fill(seed);
            Assert.Equal(entry.Seed, seed);
        }
    }

    [Theory]
    [MemberData(nameof(Counts))]
    public void SecretKeyEmbedsThePublicKeyItsHashAndTheDrbgRejectionValue(int count)
    {
        var e = Entries.Value[count];
        const int pkOffset = Kyber1024.SecretKeySize - Kyber1024.PublicKeySize - 64;
        Assert.Equal(e.PublicKey, e.SecretKey[pkOffset..(pkOffset + Kyber1024.PublicKeySize)]);

        var pkHash = new byte[32];
        Digest.Sha3_256(e.PublicKey, pkHash);
        Assert.Equal(pkHash, e.SecretKey[^64..^32]);

        using var drbg = new NistKatDrbg(e.Seed);
        var d = new byte[32];
        var z = new byte[32];
        drbg.Fill(d);
        drbg.Fill(z);
        Assert.Equal(z, e.SecretKey[^32..]);
    }

    [Theory]
    [MemberData(nameof(Counts))]
    public void EncapsulateWithTheKatRandomnessReproducesCiphertextAndSecret(int count)
    {
        var e = Entries.Value[count];
        using var drbg = new NistKatDrbg(e.Seed);
        var skip = new byte[32];
        drbg.Fill(skip); // d
        drbg.Fill(skip); // z

        var ciphertext = new byte[Kyber1024.CiphertextSize];
        var shared = new byte[Kyber1024.SharedSecretSize];
        Assert.True(Kyber1024.TryEncapsulate(e.PublicKey, drbg, ciphertext, shared));

        Assert.Equal(Hex.Encode(e.Ciphertext), Hex.Encode(ciphertext));
        Assert.Equal(Hex.Encode(e.SharedSecret), Hex.Encode(shared));
    }

    [Theory]
    [MemberData(nameof(Counts))]
    public void DecapsulateGivesTheKatSecret(int count)
    {
        var e = Entries.Value[count];
        var shared = new byte[Kyber1024.SharedSecretSize];

        Assert.True(Kyber1024.TryDecapsulate(e.SecretKey, e.Ciphertext, shared));

        Assert.Equal(Hex.Encode(e.SharedSecret), Hex.Encode(shared));
    }

    private sealed record KatEntry(int Count, byte[] Seed, byte[] PublicKey, byte[] SecretKey, byte[] Ciphertext, byte[] SharedSecret);

    private static List<KatEntry> Load()
    {
        var entries = new List<KatEntry>();
        Dictionary<string, string>? fields = null;
        foreach (var raw in System.IO.File.ReadLines(Vectors.PathOf("kyber/PQCkemKAT_3168.rsp")))
        {
            var line = raw.Trim();
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (line.StartsWith('#') || eq < 0)
            {
                continue;
            }

            string name = line[..eq].Trim(), value = line[(eq + 1)..].Trim();
            if (name == "count")
            {
                Flush();
                fields = new Dictionary<string, string> { ["count"] = value };
            }
            else if (fields is not null)
            {
                fields[name] = value;
            }
        }

        Flush();
        return entries;

        void Flush()
        {
            if (fields is null)
            {
                return;
            }

            int count = int.Parse(fields["count"], System.Globalization.CultureInfo.InvariantCulture);
            if (count != entries.Count)
            {
                throw new InvalidDataException($"KAT entry {count} out of order.");
            }

            entries.Add(new KatEntry(
                count,
                Hex.Decode(fields["seed"]),
                Hex.Decode(fields["pk"]),
                Hex.Decode(fields["sk"]),
                Hex.Decode(fields["ct"]),
                Hex.Decode(fields["ss"])));
        }
    }
}
