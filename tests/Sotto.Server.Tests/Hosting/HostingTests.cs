using Microsoft.AspNetCore.Hosting;
using Sotto.Server.Infrastructure;
using Sotto.Server.Tests.Support;

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
    public async Task InvalidConfigurationStopsTheProcessWithExitCodeTwoAndAClearLine()
    {
        var directory = Directory.CreateTempSubdirectory("sotto-bad-config-").FullName;
        try
        {
            var (exitCode, output) = await ServerProcess.RunToExitAsync(directory, ServerProcess.FreePort(), "--Messages:MaxEnvelopeBytes=0", "--Devices:MaxDevices=500");

            Assert.Equal(2, exitCode);
            var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("sotto server:", StringComparison.Ordinal));
            Assert.Contains("invalid configuration", line, StringComparison.Ordinal);
            Assert.Contains("MaxEnvelopeBytes", line, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
