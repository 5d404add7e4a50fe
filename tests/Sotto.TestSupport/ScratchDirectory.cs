namespace Sotto.TestSupport;

/// <summary>
/// A private scratch directory for one test (a server's data directory, a database file, a peer's state), deleted on
/// dispose. It lives under <c>&lt;repository&gt;/.test-tmp/</c> (git-ignored; <c>SOTTO_TEST_TMP</c> overrides the
/// root), not in the machine's shared <c>/tmp</c>.
/// </summary>
/// <remarks>
/// Why not <c>/tmp</c>: on a machine shared by several people and test runs, <c>/tmp/sotto-*</c> is a name space
/// anyone may clean with a glob, and a directory removed under a running server makes every later SQLite open fail
/// with "SQLite Error 14: unable to open database file" and every request that needs a new read connection answer
/// 503 — exactly the failures seen in one Sotto.Server.Tests run while colleagues were cleaning up. A directory inside
/// the worktree that runs the tests belongs to that run alone.
/// </remarks>
public sealed class ScratchDirectory : IDisposable
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        var configured = Environment.GetEnvironmentVariable("SOTTO_TEST_TMP");
        var root = string.IsNullOrEmpty(configured) ? System.IO.Path.Combine(Vectors.RepositoryRoot, ".test-tmp") : System.IO.Path.GetFullPath(configured);
        Directory.CreateDirectory(root);
        return root;
    });

    private ScratchDirectory(string path)
    {
        Path = path;
    }

    /// <summary>Absolute path of the directory (it exists until <see cref="Dispose"/>).</summary>
    public string Path { get; }

    /// <summary>The root all scratch directories are created in.</summary>
    public static string Root => RootPath.Value;

    /// <summary>Creates a new, empty directory named <paramref name="prefix"/> plus a random suffix.</summary>
    public static ScratchDirectory Create(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        while (true)
        {
            var path = System.IO.Path.Combine(Root, prefix + Guid.NewGuid().ToString("N")[..12]);
            if (Directory.Exists(path))
            {
                continue;
            }

            Directory.CreateDirectory(path);
            return new ScratchDirectory(path);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
