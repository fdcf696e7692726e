using Azure;

namespace TracktileFunctions.Storage;

/// <summary>What a storage call throws when storage is failing rather than the code being wrong.</summary>
public static class StorageFailure
{
    /// <summary>
    /// True for a storage answer (<see cref="RequestFailedException"/>), the SDK's exhausted retries
    /// (<see cref="AggregateException"/>), a timed-out call (<see cref="OperationCanceledException"/>) or a broken
    /// connection (<see cref="IOException"/>): bookkeeping that may be given up, never a bug to swallow.
    /// </summary>
    public static bool Is(Exception exception)
        => exception is RequestFailedException or AggregateException or OperationCanceledException or IOException;
}
