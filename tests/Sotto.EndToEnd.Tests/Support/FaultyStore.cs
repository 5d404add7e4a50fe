using System.Reflection;
using System.Runtime.ExceptionServices;
using Sotto.Client.Storage;

namespace Sotto.EndToEnd.Tests.Support;

/// <summary>
/// A store whose next <see cref="FailCommits"/> commits fail as if the process died just before committing
/// (everything of that unit of work is rolled back).
/// </summary>
public sealed class FaultyStore(IClientStore inner) : IClientStore
{
    private int _failCommits;

    public int FailCommits
    {
        get => Volatile.Read(ref _failCommits);
        set => Volatile.Write(ref _failCommits, value);
    }

    public async ValueTask<IClientTransaction> BeginAsync(CancellationToken cancellationToken = default)
    {
        var transaction = await inner.BeginAsync(cancellationToken);
        var proxy = DispatchProxy.Create<IClientTransaction, FaultyTransaction>();
        ((FaultyTransaction)(object)proxy).Attach(transaction, this);
        return proxy;
    }

    public ValueTask<bool> PurgeDeletedContentAsync(CancellationToken cancellationToken = default) => inner.PurgeDeletedContentAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    internal bool ShouldFail() => Interlocked.Decrement(ref _failCommits) >= 0 || Interlocked.Increment(ref _failCommits) < 0;

    public class FaultyTransaction : DispatchProxy
    {
        private IClientTransaction? _inner;
        private FaultyStore? _owner;

        internal void Attach(IClientTransaction inner, FaultyStore owner)
        {
            _inner = inner;
            _owner = owner;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod!.Name == nameof(IClientTransaction.CommitAsync) && _owner!.ShouldFail())
            {
                throw new IOException("simulated crash before commit");
            }

            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                ExceptionDispatchInfo.Throw(ex.InnerException);
                throw;
            }
        }
    }
}
