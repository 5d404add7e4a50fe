using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Spectre.Console;

namespace Sotto.Cli;

/// <summary>
/// Where the CLI writes: one JSON object per line on standard output with <c>--json</c>, text for people otherwise
/// (Spectre.Console), and exactly one line on standard error for a failure.
/// </summary>
internal sealed class Output
{
    public const int Failure = 1;
    public const int UsageError = 2;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };
    private readonly Stream _stdout = Console.OpenStandardOutput();

    public Output(bool json)
    {
        Json = json;
    }

    public bool Json { get; }

    /// <summary>Writes one JSON object as one line and flushes (scripts read line by line).</summary>
    public void WriteJson(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        buffer.Position = 0;
        buffer.CopyTo(_stdout);
        _stdout.Flush();
    }

    /// <summary>A line for people (Spectre markup).</summary>
    public static void Line(string markup) => AnsiConsole.MarkupLine(markup);

    public static string Escape(string? text) => Markup.Escape(text ?? string.Empty);

    /// <summary>The one line of a failure, without control characters.</summary>
    public static int Fail(string message, int code = Failure)
    {
        var clean = new StringBuilder(message.Length);
        foreach (char c in message)
        {
            clean.Append(char.IsControl(c) ? ' ' : c);
        }

        Console.Error.WriteLine("sotto: " + clean);
        return code;
    }
}
