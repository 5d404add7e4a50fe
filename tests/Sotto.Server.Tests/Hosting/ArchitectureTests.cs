using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Sotto.Server.Tests.Hosting;

/// <summary>DESIGN.md §2: the server relays ciphertext it has no keys for; it must not reference the protocol layers.</summary>
public sealed class ArchitectureTests
{
    private static readonly Assembly ServerAssembly = typeof(SottoServerHost).Assembly;

    [Fact]
    public void TheServerReferencesNeitherTheProtocolNorMlsNorTheClient()
    {
        var sotto = ServerAssembly.GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith("Sotto.", StringComparison.Ordinal)).Order().ToArray();

        Assert.Equal(["Sotto.Crypto", "Sotto.Server.Storage", "Sotto.Server.Storage.Sqlite", "Sotto.Wire"], sotto);
    }

    [Fact]
    public void TheServerUsesSottoCryptoOnlyForXEdDsaVerification()
    {
        using var stream = File.OpenRead(ServerAssembly.Location);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var used = new List<string>();
        foreach (var handle in metadata.TypeReferences)
        {
            var reference = metadata.GetTypeReference(handle);
            if (reference.ResolutionScope.Kind == HandleKind.AssemblyReference
                && metadata.GetString(metadata.GetAssemblyReference((AssemblyReferenceHandle)reference.ResolutionScope).Name) == "Sotto.Crypto")
            {
                used.Add(metadata.GetString(reference.Namespace) + "." + metadata.GetString(reference.Name));
            }
        }

        // XEdDsaVerifyingKey: the identity key converted to Edwards form once per prekey upload (public-key math only).
        Assert.Equal(["Sotto.Crypto.XEdDsaVerifyingKey"], used);
    }
}
