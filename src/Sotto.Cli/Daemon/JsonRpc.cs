using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sotto.Client;

namespace Sotto.Cli.Daemon;

/// <summary>
/// JSON-RPC 2.0 (https://www.jsonrpc.org/specification) over one HTTP request body: a single request or a batch, by
/// name parameters only. It owns the envelope — validation, the error objects, notifications (no <c>id</c>, no
/// response), batches — and not the methods (<see cref="RpcMethods"/>).
/// </summary>
/// <remarks>
/// <code>
///   body ──parse──► object ──► one response (or none: a notification)
///              └──► array  ──► each element in order ──► an array of the responses (none at all: no body)
///   bad JSON: -32700   not a request object: -32600   no such method: -32601   bad params: -32602
///   the SDK refused: 1000 + ClientError (data: name, code, …)   a bug of ours: -32603
/// </code>
/// A batch runs its calls one after the other, in order; the spec allows any order, and callers that put
/// <c>send</c> before <c>history</c> in one batch get what they expect.
/// </remarks>
internal sealed class JsonRpc
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;

    /// <summary>SDK failures: this plus the stable <see cref="ClientError"/> value (1001 NotRegistered … 1017 InvalidAttachment).</summary>
    public const int ClientErrorBase = 1000;

    /// <summary>Calls in one batch.</summary>
    public const int MaxBatch = 100;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonDocumentOptions ReaderOptions = new() { MaxDepth = 32 };

    private readonly RpcMethods _methods;
    private readonly ILogger _logger;

    public JsonRpc(RpcMethods methods, ILogger logger)
    {
        _methods = methods;
        _logger = logger;
    }

    /// <summary>Runs the calls in <paramref name="body"/>; returns the response body, or null when there is none to send.</summary>
    public async Task<byte[]?> HandleAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, ReaderOptions);
        }
        catch (JsonException)
        {
            return Write(w => WriteError(w, default, new RpcException(ParseError, "Parse error: the body is not JSON.")));
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
            {
                var single = await CallAsync(root, cancellationToken).ConfigureAwait(false);
                return single is null ? null : Write(single);
            }

            int count = root.GetArrayLength();
            if (count == 0 || count > MaxBatch)
            {
                return Write(w => WriteError(w, default, new RpcException(InvalidRequest, count == 0 ? "Invalid Request: empty batch." : $"Invalid Request: more than {MaxBatch} calls in one batch.")));
            }

            var responses = new List<Action<Utf8JsonWriter>>(count);
            foreach (var element in root.EnumerateArray())
            {
                if (await CallAsync(element, cancellationToken).ConfigureAwait(false) is { } response)
                {
                    responses.Add(response);
                }
            }

            return responses.Count == 0 ? null : Write(w =>
            {
                foreach (var response in responses)
                {
                    response(w);
                }
            }, array: true);
        }
    }

    /// <summary>One call: its response writer, or null for a notification.</summary>
    private async Task<Action<Utf8JsonWriter>?> CallAsync(JsonElement request, CancellationToken cancellationToken)
    {
        if (request.ValueKind != JsonValueKind.Object)
        {
            return w => WriteError(w, default, new RpcException(InvalidRequest, "Invalid Request: not an object."));
        }

        bool hasId = request.TryGetProperty("id", out var id);
        if (hasId && id.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Null))
        {
            return w => WriteError(w, default, new RpcException(InvalidRequest, "Invalid Request: id must be a string, a number or null."));
        }

        var idCopy = hasId ? id.Clone() : default;
        if (!request.TryGetProperty("jsonrpc", out var version) || version.ValueKind != JsonValueKind.String || version.GetString() != "2.0")
        {
            return w => WriteError(w, idCopy, new RpcException(InvalidRequest, "Invalid Request: jsonrpc must be \"2.0\"."));
        }

        if (!request.TryGetProperty("method", out var methodElement) || methodElement.ValueKind != JsonValueKind.String)
        {
            return w => WriteError(w, idCopy, new RpcException(InvalidRequest, "Invalid Request: method must be a string."));
        }

        foreach (var property in request.EnumerateObject())
        {
            if (property.Name is not ("jsonrpc" or "method" or "params" or "id"))
            {
                return w => WriteError(w, idCopy, new RpcException(InvalidRequest, "Invalid Request: unknown member '" + Clip(property.Name) + "'."));
            }
        }

        bool hasParams = request.TryGetProperty("params", out var parameters);
        if (hasParams && parameters.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
        {
            return w => WriteError(w, idCopy, new RpcException(InvalidRequest, "Invalid Request: params must be an object or an array."));
        }

        string method = methodElement.GetString()!;
        Action<Utf8JsonWriter>? result = null;
        RpcException? error = null;
        try
        {
            if (hasParams && parameters.ValueKind == JsonValueKind.Array && parameters.GetArrayLength() > 0)
            {
                throw new RpcException(InvalidParams, "Invalid params: pass parameters by name (an object).");
            }

            var args = new RpcParams(hasParams && parameters.ValueKind == JsonValueKind.Object ? parameters : default);
            result = await _methods.InvokeAsync(method, args, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            error = ex;
        }
        catch (SottoClientException ex)
        {
            error = RpcException.FromClient(ex);
        }
        catch (ArgumentException ex)
        {
            error = new RpcException(InvalidParams, "Invalid params: " + FirstLine(ex.Message));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A bug of ours (or the disk): the type only, never the message, which could quote content.
            DaemonLog.RpcFailed(_logger, Clip(method), ex.GetType().Name);
            error = new RpcException(InternalError, "Internal error.");
        }

        if (!hasId)
        {
            return null;
        }

        return error is null
            ? w =>
            {
                w.WriteStartObject();
                w.WriteString("jsonrpc", "2.0");
                w.WritePropertyName("result");
                result!(w);
                w.WritePropertyName("id");
                idCopy.WriteTo(w);
                w.WriteEndObject();
            }
            : w => WriteError(w, idCopy, error);
    }

    private static void WriteError(Utf8JsonWriter w, JsonElement id, RpcException error)
    {
        w.WriteStartObject();
        w.WriteString("jsonrpc", "2.0");
        w.WriteStartObject("error");
        w.WriteNumber("code", error.Code);
        w.WriteString("message", error.Message);
        if (error.WriteData is { } data)
        {
            w.WritePropertyName("data");
            w.WriteStartObject();
            data(w);
            w.WriteEndObject();
        }

        w.WriteEndObject();
        w.WritePropertyName("id");
        if (id.ValueKind == JsonValueKind.Undefined)
        {
            w.WriteNullValue();
        }
        else
        {
            id.WriteTo(w);
        }

        w.WriteEndObject();
    }

    private static byte[] Write(Action<Utf8JsonWriter> write, bool array = false)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            if (array)
            {
                writer.WriteStartArray();
            }

            write(writer);
            if (array)
            {
                writer.WriteEndArray();
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Untrusted names go into messages clipped and without control characters.</summary>
    internal static string Clip(string text)
    {
        var chars = text.Length > 64 ? text[..64] : text;
        return string.Create(chars.Length, chars, (span, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? ' ' : source[i];
            }
        });
    }

    private static string FirstLine(string message)
    {
        int newline = message.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? message : message[..newline];
    }
}

/// <summary>A JSON-RPC error object: a code, a one-line message, optional <c>data</c> members.</summary>
internal sealed class RpcException : Exception
{
    public RpcException(int code, string message, Action<Utf8JsonWriter>? writeData = null)
        : base(message)
    {
        Code = code;
        WriteData = writeData;
    }

    public RpcException()
    {
    }

    public RpcException(string message)
        : base(message)
    {
    }

    public RpcException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int Code { get; } = JsonRpc.InternalError;

    /// <summary>Writes the members of <c>data</c>.</summary>
    public Action<Utf8JsonWriter>? WriteData { get; }

    /// <summary>
    /// An SDK failure: code 1000 + <see cref="ClientError"/>, the CLI's one-line description, and in <c>data</c> the
    /// error's name and number plus, where they apply, the user concerned, the HTTP status and the server's problem code.
    /// </summary>
    public static RpcException FromClient(SottoClientException ex) => new(JsonRpc.ClientErrorBase + (int)ex.Code, Commands.Describe(ex), w =>
    {
        w.WriteString("error", ex.Code.ToString());
        w.WriteNumber("code", (int)ex.Code);
        if (ex.Username is not null)
        {
            w.WriteString("user", ex.Username);
        }

        if (ex.HttpStatus is { } status)
        {
            w.WriteNumber("httpStatus", status);
        }

        if (ex.ServerCode is not null)
        {
            w.WriteString("serverCode", ex.ServerCode);
        }

        w.WriteBoolean("transient", ex.IsTransient);
    });
}
