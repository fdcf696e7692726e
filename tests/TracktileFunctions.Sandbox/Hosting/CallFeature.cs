using TracktileFunctions.Sandbox.Faults;

namespace TracktileFunctions.Sandbox.Hosting;

/// <summary>What the inner middleware did to a request, for <see cref="RecordingMiddleware"/> to record.</summary>
internal sealed class CallFeature
{
    public FaultKind? Fault { get; set; }

    public bool Replayed { get; set; }
}
