using System.Diagnostics;
using Sotto.Crypto;
using Sotto.TestSupport;

namespace Sotto.Benchmarks.Crypto;

/// <summary>
/// A Stopwatch probe of the curve operations for a loaded, shared machine: <c>dotnet run -c Release --project
/// bench/Sotto.Benchmarks -- curve-probe</c>. The operations run in alternating batches, so that load from other
/// processes falls on all of them alike; it prints each one's median and fastest batch. The README tables come from
/// BenchmarkDotNet (CurveBenchmarks); this is for before/after comparisons while load comes and goes.
/// </summary>
internal static class CurveProbe
{
    public static void Run(int rounds)
    {
        var random = new SeededRandom(42);
        var priv = new byte[32];
        var pub = new byte[32];
        X25519.GeneratePrivateKey(random, priv);
        X25519.DerivePublicKey(priv, pub);
        var message = new byte[100];
        random.Fill(message);
        var signature = new byte[64];
        using var signingKey = new XEdDsaSigningKey(priv);
        signingKey.Sign(message, random, signature);
        var verifyingKey = new XEdDsaVerifyingKey(pub);
        var edPriv = new byte[32];
        var edPub = new byte[32];
        var edSignature = new byte[64];
        random.Fill(edPriv);
        Ed25519.DerivePublicKey(edPriv, edPub);
        Ed25519.Sign(edPriv, message, edSignature);
        var scratch = new byte[64];

        (string Name, Action Op)[] ops =
        [
            ("Ed25519 sign (libsodium)", () => Ed25519.Sign(edPriv, message, scratch)),
            ("XEdDSA sign, kept key", () => signingKey.Sign(message, random, scratch)),
            ("XEdDSA sign, one-off", () => XEdDsa.Sign(priv, message, random, scratch)),
            ("Ed25519 verify (libsodium)", () => Ed25519.Verify(edPub, message, edSignature)),
            ("XEdDSA verify, one-off", () => XEdDsa.Verify(pub, message, signature)),
            ("XEdDSA verify, kept key", () => verifyingKey.Verify(message, signature)),
            ("HKDF expand, one block", () => HkdfSha256Short.Expand(edPub, message.AsSpan(0, 40), scratch.AsSpan(0, 32))),
        ];
        const int Batch = 200;
        var samples = ops.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round < rounds; round++)
        {
            for (int i = 0; i < ops.Length; i++)
            {
                var op = ops[i].Op;
                var sw = Stopwatch.StartNew();
                for (int n = 0; n < Batch; n++)
                {
                    op();
                }

                samples[i].Add(sw.Elapsed.TotalMicroseconds / Batch);
            }
        }

        for (int i = 0; i < ops.Length; i++)
        {
            var sorted = samples[i].Skip(rounds / 10).Order().ToArray();
            Console.WriteLine($"{ops[i].Name,-28} median {sorted[sorted.Length / 2],7:F2} µs   fastest batch {sorted[0],7:F2} µs");
        }
    }
}
