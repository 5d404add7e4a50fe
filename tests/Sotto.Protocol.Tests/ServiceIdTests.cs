using Sotto.TestSupport;

namespace Sotto.Protocol.Tests;

public sealed class ServiceIdTests
{
    [Theory]
    [InlineData("9d0652a3-dcc3-4d11-975f-74d61598733f", "9d0652a3dcc34d11975f74d61598733f", "009d0652a3dcc34d11975f74d61598733f")]
    [InlineData("9D0652A3-DCC3-4D11-975F-74D61598733F", "9d0652a3dcc34d11975f74d61598733f", "009d0652a3dcc34d11975f74d61598733f")]
    [InlineData("PNI:9d0652a3-dcc3-4d11-975f-74d61598733f", "019d0652a3dcc34d11975f74d61598733f", "019d0652a3dcc34d11975f74d61598733f")]
    public void ParsesTheStandardStringForms(string text, string binary, string fixedWidth)
    {
        Assert.True(ServiceId.TryParse(text, out var id));
        Assert.Equal(binary, Hex.Encode(id.ToServiceIdBinary()));
        Assert.Equal(fixedWidth, Hex.Encode(id.ToFixedWidthBinary()));
        Assert.Equal(text.ToLowerInvariant().Replace("pni:", "PNI:", StringComparison.Ordinal), id.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("alice")]
    [InlineData("9d0652a3dcc34d11975f74d61598733f")]
    [InlineData("{9d0652a3-dcc3-4d11-975f-74d61598733f}")]
    [InlineData("9d0652a3-dcc3-4d11-975f-74d61598733g")]
    [InlineData("pni:9d0652a3-dcc3-4d11-975f-74d61598733f")]
    [InlineData("ACI:9d0652a3-dcc3-4d11-975f-74d61598733f")]
    [InlineData(" 9d0652a3-dcc3-4d11-975f-74d61598733f")]
    public void RejectsEverythingElse(string text) => Assert.False(ServiceId.TryParse(text, out _));
}
