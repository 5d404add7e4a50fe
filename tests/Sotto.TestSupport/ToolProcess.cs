using System.Diagnostics;

namespace Sotto.TestSupport;

/// <summary>
/// Starting the processes interop tests drive over stdin/stdout: the repository's own tools (built with the solution)
/// and the Node peers under <c>tests/interop/</c>.
/// </summary>
public static class ToolProcess
{
    /// <summary>
    /// The command that runs <c>tools/NAME</c> as built by the solution in the configuration this test assembly was
    /// built in: the dotnet host and the tool's dll.
    /// </summary>
    public static (string FileName, string Dll) BuiltTool(string name)
    {
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var dll = Path.Combine(Vectors.RepositoryRoot, "tools", name, "bin", configuration, "net10.0", name + ".dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build Sotto.slnx (./test.sh does).");
        }

        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (string.IsNullOrEmpty(host))
        {
            host = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        }

        return (host, dll);
    }

    /// <summary>The directory of the Node peer <c>tests/interop/NAME</c>, checking that <c>npm ci</c> installed <paramref name="package"/>.</summary>
    public static string NodePeerDirectory(string name, string package)
    {
        var directory = Path.Combine(Vectors.RepositoryRoot, "tests", "interop", name);
        if (!Directory.Exists(Path.Combine(directory, "node_modules", package)))
        {
            throw new InvalidOperationException($"{package} is not installed: run `npm ci` in {directory} (./test.sh does).");
        }

        return directory;
    }

    /// <summary>Starts a process with standard input, output and error redirected.</summary>
    public static Process Start(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
    }
}
