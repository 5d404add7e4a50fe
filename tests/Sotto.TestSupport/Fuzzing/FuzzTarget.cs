namespace Sotto.TestSupport.Fuzzing;

/// <summary>How a length field found in a seed input is encoded, so that the mutator can rewrite it in place.</summary>
public enum LengthKind
{
    /// <summary>A protobuf base-128 varint (the length of a length-delimited field).</summary>
    ProtobufVarint = 1,

    /// <summary>An RFC 9420 §2.1.2 variable-size length header (1, 2 or 4 bytes, top two bits give the size).</summary>
    MlsVarint = 2,

    UInt8 = 3,
    UInt16BigEndian = 4,
    UInt32BigEndian = 5,

    /// <summary>
    /// A protobuf varint field value (a counter, an index, an id): rewritten with the lengths of the messages
    /// around it fixed up, so that the edited value reaches the code that uses it.
    /// </summary>
    ProtobufValue = 6,
}

/// <summary>
/// A length field (or, for <see cref="LengthKind.ProtobufValue"/>, a numeric field) at <paramref name="Offset"/> of a
/// seed input; <paramref name="Enclosing"/> are the offsets of the protobuf length varints around it, outermost first.
/// </summary>
public readonly record struct LengthField(int Offset, LengthKind Kind, int[]? Enclosing = null);

/// <summary>
/// One decoder under fuzzing: a corpus of valid encodings made by the production encoders, and a run that feeds one
/// input to the production decoder and checks what it promises.
/// </summary>
/// <remarks>
/// <see cref="Run"/> returns normally when the input was accepted (after its own checks, such as re-encoding and
/// decoding again), throws the layer's typed error when the input was rejected, and throws
/// <see cref="FuzzCheckException"/> when a promise is broken (for example a failed decrypt that changed state). Any
/// exception for which <see cref="IsExpectedError"/> is false is a finding.
/// </remarks>
public sealed class FuzzTarget
{
    private readonly Lazy<IReadOnlyList<byte[]>> _corpus;

    public FuzzTarget(string name, string description, Func<IReadOnlyList<byte[]>> corpus, Action<byte[]> run, Func<Exception, bool> isExpectedError)
    {
        Name = name;
        Description = description;
        _corpus = new Lazy<IReadOnlyList<byte[]>>(corpus);
        Run = run;
        IsExpectedError = isExpectedError;
    }

    public string Name { get; }

    public string Description { get; }

    /// <summary>Valid encodings the mutations start from (built once, on first use).</summary>
    public IReadOnlyList<byte[]> Corpus => _corpus.Value;

    public Action<byte[]> Run { get; }

    public Func<Exception, bool> IsExpectedError { get; }

    /// <summary>Finds the length fields of a seed input (none: the mutator edits random positions only).</summary>
    public Func<byte[], IReadOnlyList<LengthField>>? LengthFields { get; init; }

    /// <summary>
    /// Most bytes one input may allocate on the running thread before it counts as a finding (an allocation driven
    /// by a length field instead of the bytes present).
    /// </summary>
    public long AllocationBudget { get; init; } = 8L * 1024 * 1024;

    /// <summary>Random mutations the quick run in the test suite makes (fewer for targets that sign, seal or process).</summary>
    public int TestIterations { get; init; } = 5000;

    /// <summary>Longest one input may run before it counts as a finding (a hang or super-linear work).</summary>
    public TimeSpan SlowInput { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>A broken promise found by a fuzz target's own checks (never an expected error).</summary>
public sealed class FuzzCheckException : Exception
{
    public FuzzCheckException(string message)
        : base(message)
    {
    }

    public FuzzCheckException()
    {
    }

    public FuzzCheckException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Throws unless <paramref name="condition"/> holds.</summary>
    public static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new FuzzCheckException(what);
        }
    }
}
