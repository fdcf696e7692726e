namespace TracktileFunctions.Processing;

/// <summary>
/// An event that can never succeed as it is (a missing field, an unknown order, a refused write): it goes to the poison
/// queue at once, with this reason recorded, instead of burning the queue's retries.
/// </summary>
public sealed class PermanentProcessingException : Exception
{
    /// <summary>Creates the exception with a reason an operator can act on.</summary>
    public PermanentProcessingException(string reason) : base(reason) { }

    /// <summary>Creates the exception with its cause.</summary>
    public PermanentProcessingException(string reason, Exception inner) : base(reason, inner) { }
}
