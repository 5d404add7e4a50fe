using System.CommandLine;

namespace Sotto.Cli;

/// <summary>
/// <c>sotto</c>: the reference client and the relay server in one command (DESIGN.md §6). The command names and
/// flags are fixed there; README "CLI" documents each. Every failure is one line on standard error and a non-zero
/// exit code: 1 for a refused or failed operation, 2 for a usage error.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (Console.IsOutputRedirected)
        {
            // Scripts and pipes get whole lines, not lines wrapped at an imagined 80 columns.
            Spectre.Console.AnsiConsole.Profile.Width = 4096;
        }

        var root = Commands.Build();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && !IsHelpRequest(args))
        {
            await Console.Error.WriteLineAsync("sotto: " + parse.Errors[0].Message + " (see: sotto --help)").ConfigureAwait(false);
            return Output.UsageError;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
    }

    private static bool IsHelpRequest(string[] args) => args.Any(a => a is "-h" or "--help" or "-?");
}
