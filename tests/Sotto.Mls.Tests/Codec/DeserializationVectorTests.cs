using Sotto.Mls.Codec;

namespace Sotto.Mls.Tests.Codec;

/// <summary>deserialization.json: variable-size vector length headers (RFC 9420 §2.1.2).</summary>
public sealed class DeserializationVectorTests
{
    public static TheoryData<int> Entries => MlsVectors.All("deserialization.json");

    [Theory]
    [MemberData(nameof(Entries))]
    public void VarintHeaderDecodesToLengthAndReencodes(int index)
    {
        var v = MlsVectors.Load("deserialization.json")[index];
        var header = v.Bytes("vlbytes_header");
        int length = v.GetProperty("length").GetInt32();
        var reader = new TlsReader(header);
        Assert.Equal(length, reader.ReadVarint());
        Assert.True(reader.IsEmpty);
        var writer = new TlsWriter();
        writer.WriteVarint(length);
        Assert.Equal(header, writer.ToArray());
    }
}
