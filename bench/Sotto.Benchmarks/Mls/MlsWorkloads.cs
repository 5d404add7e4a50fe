using System.Diagnostics;
using System.Text.Json.Nodes;
using Sotto.Mls.Framing;
using Sotto.Mls.Groups;
using Sotto.Mls.Messages;
using Sotto.Mls.TreeMath;

namespace Sotto.Benchmarks.Mls;

/// <summary>The MLS workloads of the benchmark table.</summary>
public enum MlsWorkload
{
    UpdateCreate,
    UpdateProcess,
    AddOneCreate,
    AddOneProcess,
    RemoveOneCreate,
    RemoveOneProcess,
    Encrypt,
    Decrypt,
    BulkAdd,
    Join,
}

/// <summary>Builds one Sotto workload as a repeatable action (commits are created and cleared, never merged).</summary>
internal static class MlsWorkloads
{
    private const int PayloadSize = 100;

    public static Action Build(int members, bool populated, MlsWorkload workload)
    {
        var random = new Sotto.TestSupport.SeededRandom("workload");
        switch (workload)
        {
            case MlsWorkload.BulkAdd:
            {
                var creator = SignaturePrivateKeyFor(random);
                var alice = MlsGroup.Create(MlsFixture.Suite, "bench group"u8, MlsFixture.CredentialOf(0), creator, MlsFixture.NewOptions(), random);
                var bundles = MlsFixture.KeyPackages(members - 1, 1, random, out _);
                var options = new CommitOptions { Proposals = [.. bundles.Select(b => (Proposal)new AddProposal(b.KeyPackage))] };
                return () =>
                {
                    alice.Commit(options);
                    alice.ClearPendingCommit();
                };
            }

            case MlsWorkload.Join:
            {
                var creator = SignaturePrivateKeyFor(random);
                var alice = MlsGroup.Create(MlsFixture.Suite, "bench group"u8, MlsFixture.CredentialOf(0), creator, MlsFixture.NewOptions(), random);
                var bundles = MlsFixture.KeyPackages(members - 1, 1, random, out _);
                var welcome = alice.Commit(new CommitOptions { Proposals = [.. bundles.Select(b => (Proposal)new AddProposal(b.KeyPackage))] }).Welcome!;
                var bytes = welcome.Encode();
                var options = MlsFixture.NewOptions();
                return () => MlsGroup.JoinFromWelcome(MlsMessageIn.Decode(bytes).Welcome!, bundles[0], null, options, random).Dispose();
            }
        }

        var f = MlsFixture.Build(members, populated);
        var newcomer = MlsFixture.KeyPackages(1, members, f.Random, out _)[0];
        var removed = new LeafIndex((uint)members - 1);
        CommitOptions Options(MlsWorkload w) => w switch
        {
            MlsWorkload.UpdateCreate or MlsWorkload.UpdateProcess => new CommitOptions { ForcePath = true },
            MlsWorkload.AddOneCreate or MlsWorkload.AddOneProcess => new CommitOptions { Proposals = [new AddProposal(newcomer.KeyPackage)] },
            _ => new CommitOptions { Proposals = [new RemoveProposal(removed.Value)] },
        };

        switch (workload)
        {
            case MlsWorkload.UpdateCreate or MlsWorkload.AddOneCreate or MlsWorkload.RemoveOneCreate:
            {
                var options = Options(workload);
                return () =>
                {
                    f.Alice.Commit(options);
                    f.Alice.ClearPendingCommit();
                };
            }

            case MlsWorkload.UpdateProcess or MlsWorkload.AddOneProcess or MlsWorkload.RemoveOneProcess:
            {
                var commit = f.Alice.Commit(Options(workload)).Commit.Encode();
                f.Alice.ClearPendingCommit();
                return () => f.Bob.ProcessMessage(commit);
            }

            case MlsWorkload.Encrypt:
            {
                var payload = new byte[PayloadSize];
                return () => f.Alice.Encrypt(payload).Encode();
            }

            case MlsWorkload.Decrypt:
            {
                // Each message decrypts once, so a stock of them is made in advance (and topped up if it runs out).
                var payload = new byte[PayloadSize];
                var stock = new Queue<byte[]>();
                void Refill()
                {
                    for (int i = 0; i < 100_000; i++)
                    {
                        stock.Enqueue(f.Alice.Encrypt(payload).Encode());
                    }
                }

                Refill();
                return () =>
                {
                    if (!stock.TryDequeue(out var message))
                    {
                        Refill();
                        message = stock.Dequeue();
                    }

                    f.Bob.ProcessMessage(message);
                };
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(workload));
        }
    }

    private static Sotto.Mls.SignaturePrivateKey SignaturePrivateKeyFor(Sotto.TestSupport.SeededRandom random) =>
        Sotto.Mls.SignaturePrivateKey.Generate(random);
}

/// <summary>The ts-mls 1.6.4 anchor: tests/interop/mls/bench.mjs, one Run request per operation.</summary>
internal sealed class TsMlsBench : IDisposable
{
    private readonly Process _process;
    private int _id;

    public TsMlsBench()
    {
        var directory = Path.Combine(Sotto.TestSupport.Vectors.RepositoryRoot, "tests", "interop", "mls");
        if (!Directory.Exists(Path.Combine(directory, "node_modules", "ts-mls")))
        {
            throw new InvalidOperationException($"ts-mls is not installed: run `npm ci` in {directory}.");
        }

        var info = new ProcessStartInfo("node") { WorkingDirectory = directory, RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(directory, "bench.mjs"));
        _process = Process.Start(info)!;
    }

    public void Call(string method, JsonObject? parameters = null)
    {
        var request = new JsonObject { ["id"] = ++_id, ["method"] = method, ["params"] = parameters ?? [] };
        _process.StandardInput.WriteLine(request.ToJsonString());
        _process.StandardInput.Flush();
        var response = JsonNode.Parse(_process.StandardOutput.ReadLine()!)!.AsObject();
        if (response["error"] is { } error)
        {
            throw new InvalidOperationException("ts-mls bench: " + error);
        }
    }

    public void Dispose()
    {
        _process.StandardInput.Close();
        _process.WaitForExit(5000);
        _process.Dispose();
    }
}
