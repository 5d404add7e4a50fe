using System.Diagnostics;
using Sotto.Mls.Framing;
using Sotto.Mls.Groups;
using Sotto.Mls.Messages;
using Sotto.Mls.TreeMath;

namespace Sotto.Benchmarks.Mls;

/// <summary>
/// A quick Stopwatch probe of the MLS workloads (not BenchmarkDotNet): <c>dotnet run -c Release --project
/// bench/Sotto.Benchmarks -- mls-probe 1000</c>. Useful while optimising; the README table comes from the
/// BenchmarkDotNet suite.
/// </summary>
internal static class MlsProbe
{
    public static void Run(int[] sizes)
    {
        foreach (var size in sizes)
        {
            foreach (var w in new[] { MlsWorkload.BulkAdd, MlsWorkload.Join })
            {
                var action = MlsWorkloads.Build(size, false, w);
                Measure($"N={size} {w}", 3, action);
            }
        }

        foreach (var size in sizes)
        {
            foreach (var populated in new[] { false, true })
            {
                var sw = Stopwatch.StartNew();
                var f = MlsFixture.Build(size, populated);
                Console.WriteLine($"N={size} {(populated ? "populated" : "sparse")}: setup {sw.Elapsed.TotalSeconds:F1} s");
                Measure("commit create (full path)", 20, () => { f.Alice.Commit(new CommitOptions { ForcePath = true }); f.Alice.ClearPendingCommit(); });
                var commit = f.Alice.Commit(new CommitOptions { ForcePath = true }).Commit;
                f.Alice.ClearPendingCommit();
                var bytes = commit.Encode();
                Measure("commit process", 20, () => f.Bob.ProcessMessage(bytes));
                var kp = MlsFixture.KeyPackages(1, size + 1, f.Random, out _)[0];
                Measure("add one: create", 20, () => { f.Alice.Commit(new CommitOptions { Proposals = [new AddProposal(kp.KeyPackage)] }); f.Alice.ClearPendingCommit(); });
                var add = f.Alice.Commit(new CommitOptions { Proposals = [new AddProposal(kp.KeyPackage)] }).Commit.Encode();
                f.Alice.ClearPendingCommit();
                Measure("add one: process", 20, () => f.Bob.ProcessMessage(add));
                var removed = new LeafIndex((uint)size - 1);
                Measure("remove one: create", 20, () => { f.Alice.Commit(new CommitOptions { Proposals = [new RemoveProposal(removed.Value)] }); f.Alice.ClearPendingCommit(); });
                var remove = f.Alice.Commit(new CommitOptions { Proposals = [new RemoveProposal(removed.Value)] }).Commit.Encode();
                f.Alice.ClearPendingCommit();
                Measure("remove one: process", 20, () => f.Bob.ProcessMessage(remove));
                var payload = new byte[100];
                for (int round = 0; round < 3; round++)
                {
                    var sw2 = Stopwatch.StartNew();
                    var messages = new byte[1000][];
                    for (int i = 0; i < messages.Length; i++)
                    {
                        messages[i] = f.Alice.Encrypt(payload).Encode();
                    }

                    var encrypt = sw2.Elapsed.TotalMilliseconds;
                    sw2.Restart();
                    foreach (var m in messages)
                    {
                        f.Bob.ProcessMessage(m);
                    }

                    Console.WriteLine($"  encrypt / decrypt (1000 × 100 B)  {encrypt:F1} µs / {sw2.Elapsed.TotalMilliseconds:F1} µs");
                }
            }
        }
    }

    /// <summary>Alternating batches of decrypt and a bare Ed25519 verify, so that machine load cancels out of the ratio.</summary>
    public static void DecryptBreakdown(int members, bool populated)
    {
        var f = MlsFixture.Build(members, populated);
        var payload = new byte[100];
        var seed = new byte[32];
        var pub = new byte[32];
        Sotto.Crypto.Ed25519.DerivePublicKey(seed, pub);
        var sig = new byte[64];
        var msg = new byte[200];
        Sotto.Crypto.Ed25519.Sign(seed, msg, sig);
        double dec = 0, ver = 0, enc = 0, sign = 0;
        for (int round = 0; round < 20; round++)
        {
            var sw = Stopwatch.StartNew();
            var messages = new byte[500][];
            for (int i = 0; i < messages.Length; i++)
            {
                messages[i] = f.Alice.Encrypt(payload).Encode();
            }

            enc += sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            foreach (var m in messages)
            {
                f.Bob.ProcessMessage(m);
            }

            dec += sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            for (int i = 0; i < 500; i++)
            {
                Sotto.Crypto.Ed25519.Verify(pub, msg, sig);
            }

            ver += sw.Elapsed.TotalMilliseconds;
            using var key = new Sotto.Crypto.Ed25519SigningKey(seed);
            sw.Restart();
            for (int i = 0; i < 500; i++)
            {
                key.Sign(msg, sig);
            }

            sign += sw.Elapsed.TotalMilliseconds;
        }

        Console.WriteLine($"per message: encrypt {enc / 10:F1} µs (sign {sign / 10:F1}), decrypt {dec / 10:F1} µs (verify {ver / 10:F1})");
    }

    public static void Primitives()
    {
        var random = new Sotto.TestSupport.SeededRandom(1);
        var seed = new byte[32];
        random.Fill(seed);
        var pub = new byte[32];
        Sotto.Crypto.Ed25519.DerivePublicKey(seed, pub);
        var msg = new byte[300];
        var sig = new byte[64];
        Measure("ed25519 sign", 5000, () => Sotto.Crypto.Ed25519.Sign(seed, msg, sig));
        Measure("ed25519 verify", 5000, () => Sotto.Crypto.Ed25519.Verify(pub, msg, sig));
        Measure("ed25519 verify (BouncyCastle)", 5000, () => Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.Verify(sig, 0, pub, 0, msg, 0, msg.Length));
        Measure("ed25519 verify (libsodium)", 5000, () => Sotto.Crypto.Ed25519.Verify(pub, msg, sig));
        var x = new byte[32];
        var shared = new byte[32];
        Measure("x25519 base", 5000, () => Sotto.Crypto.X25519.DerivePublicKey(seed, x));
        Measure("x25519 agree", 5000, () => Sotto.Crypto.X25519.TryAgree(seed, pub, shared));
        var secret = new byte[32];
        var outp = new byte[32];
        Measure("expand with label", 20000, () => Sotto.Mls.CipherSuite.ExpandWithLabel(secret, "key"u8, [1, 2, 3, 4], outp));
        var info = new byte[40];
        Measure("HKDF.Expand 32 B", 20000, () => System.Security.Cryptography.HKDF.Expand(System.Security.Cryptography.HashAlgorithmName.SHA256, secret, outp, info));
        Measure("HMACSHA256.HashData", 20000, () => System.Security.Cryptography.HMACSHA256.HashData(secret, info, outp));
        Measure("SHA256.HashData 64 B", 20000, () => System.Security.Cryptography.SHA256.HashData(info, outp));
        var key = new byte[16];
        var nonce = new byte[12];
        var ct = new byte[316];
        Measure("aes-gcm 300 B", 20000, () => Sotto.Crypto.AesGcmAead.Encrypt(key, nonce, msg, [], ct));
        Measure("sha256 300 B", 20000, () => Sotto.Mls.CipherSuite.Hash(msg, outp));
    }

    private static void Measure(string name, int count, Action action)
    {
        action();
        var sw = Stopwatch.StartNew();
        for (int i = 1; i < count; i++)
        {
            action();
        }

        var per = sw.Elapsed.TotalMilliseconds / (count - 1);
        Console.WriteLine(per >= 1 ? $"  {name,-28} {per,10:F2} ms" : $"  {name,-28} {per * 1000,10:F1} µs");
    }
}
