namespace Sotto.Client.Tests;

public sealed class DisappearingTimerTests
{
    [Theory]
    [InlineData("off", 0u)]
    [InlineData("OFF", 0u)]
    [InlineData("5s", 5u)]
    [InlineData("30s", 30u)]
    [InlineData("5m", 300u)]
    [InlineData("1h", 3600u)]
    [InlineData("24h", 86_400u)]
    [InlineData("1h30m", 5400u)]
    [InlineData("1d", 86_400u)]
    [InlineData("90", 90u)]
    public void ParseAcceptsOffAndFiveSecondsToOneDay(string text, uint seconds) => Assert.Equal(seconds, DisappearingTimer.Parse(text));

    [Theory]
    [InlineData("4s")]
    [InlineData("25h")]
    [InlineData("86401")]
    [InlineData("1d1s")]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("5x")]
    [InlineData("-5s")]
    [InlineData("5s5")]
    [InlineData("9999999s")]
    public void ParseRefusesEverythingElseWithInvalidTimer(string text)
    {
        var error = Assert.Throws<SottoClientException>(() => DisappearingTimer.Parse(text));
        Assert.Equal(ClientError.InvalidTimer, error.Code);
    }

    [Theory]
    [InlineData(0u, "off")]
    [InlineData(5u, "5s")]
    [InlineData(5400u, "1h30m")]
    [InlineData(86_400u, "24h")]
    public void FormatIsShort(uint seconds, string text) => Assert.Equal(text, DisappearingTimer.Format(seconds));

    [Fact]
    public void ValidIsOffOrFiveSecondsToOneDay()
    {
        Assert.Equal([true, false, true, true, false], new uint[] { 0, 4, 5, 86_400, 86_401 }.Select(DisappearingTimer.IsValid));
    }
}
