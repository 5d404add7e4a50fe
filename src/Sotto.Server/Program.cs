namespace Sotto.Server;

/// <summary><c>dotnet run --project src/Sotto.Server -- [--data DIR] [--urls URL]</c>.</summary>
public sealed class Program
{
    private Program()
    {
    }

    public static Task<int> Main(string[] args) => SottoServerHost.RunAsync(args);
}
