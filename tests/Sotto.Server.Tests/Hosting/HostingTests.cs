using Microsoft.AspNetCore.Hosting;
using Sotto.Server.Infrastructure;
using Sotto.Server.Tests.Support;
using Sotto.TestSupport;

namespace Sotto.Server.Tests.Hosting;

public sealed class HostingTests
{
    [Fact]
    public void WithoutFlagsTheServerListensOnLoopbackPort5080AndStoresUnderSottoData()
    {
        var builder = SottoServerHost.CreateBuilder([]);

        Assert.Equal("http://127.0.0.1:5080", builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey));
        Assert.Null(builder.Configuration["Storage:DataDirectory"]);
        Assert.Equal("./sotto-data", new Features.Storage.StorageOptions().DataDirectory);
    }

    [Fact]
    public void DataAndUrlsFlagsConfigureStorageAndKestrel()
    {
        var builder = SottoServerHost.CreateBuilder(["--data", "/tmp/elsewhere", "--urls", "http://127.0.0.1:6001"]);

        Assert.Equal("/tmp/elsewhere", builder.Configuration["Storage:DataDirectory"]);
        Assert.Equal("http://127.0.0.1:6001", builder.Configuration["urls"]);
    }

    [Fact]
    public void CertFlagsConfigureTheKestrelDefaultCertificate()
    {
        var builder = SottoServerHost.CreateBuilder(["--cert", "/etc/sotto/cert.pfx", "--cert-password", "pw"]);

        Assert.Equal("/etc/sotto/cert.pfx", builder.Configuration["Kestrel:Certificates:Default:Path"]);
        Assert.Equal("pw", builder.Configuration["Kestrel:Certificates:Default:Password"]);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080", false)]
    [InlineData("http://[::1]:5080", false)]
    [InlineData("http://localhost:5080", false)]
    [InlineData("https://0.0.0.0:443", false)]
    [InlineData("http://0.0.0.0:5080", true)]
    [InlineData("http://[::]:5080", true)]
    [InlineData("http://+:5080", true)]
    [InlineData("http://*:5080", true)]
    [InlineData("http://192.168.1.5:5080", true)]
    public void PlainHttpIsFlaggedOnlyOffLoopback(string address, bool warn)
    {
        Assert.Equal(warn, TransportSecurity.IsPlaintextOnNetwork(address));
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task TheServerServesHttpsWithTheConfiguredCertificate()
    {
        using var scratch = ScratchDirectory.Create("https-");
        var directory = scratch.Path;
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=127.0.0.1", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var pfx = Path.Combine(directory, "server.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx, "pw"), TestContext.Current.CancellationToken);

        using var server = await ServerProcess.StartAsync(Path.Combine(directory, "data"), ServerProcess.FreePort(), https: true, "--cert", pfx, "--cert-password", "pw");

        System.Security.Cryptography.X509Certificates.X509Certificate2? seen = null;
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
            {
                seen = cert is null ? null : new System.Security.Cryptography.X509Certificates.X509Certificate2(cert);
                return true;
            },
        };
        using var client = new HttpClient(handler) { BaseAddress = server.Address };
        using var response = await client.GetAsync("/health", TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(certificate.Thumbprint, seen?.Thumbprint);
        Assert.DoesNotContain("plain HTTP", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task InvalidConfigurationStopsTheProcessWithExitCodeTwoAndAClearLine()
    {
        using var scratch = ScratchDirectory.Create("bad-config-");
        var directory = scratch.Path;
        var (exitCode, output) = await ServerProcess.RunToExitAsync(directory, ServerProcess.FreePort(), "--Messages:MaxEnvelopeBytes=0", "--Devices:MaxDevices=500");

        Assert.Equal(2, exitCode);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("sotto server:", StringComparison.Ordinal));
        Assert.Contains("invalid configuration", line, StringComparison.Ordinal);
        Assert.Contains("MaxEnvelopeBytes", line, StringComparison.Ordinal);
    }
}
