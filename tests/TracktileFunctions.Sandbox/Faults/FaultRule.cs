namespace TracktileFunctions.Sandbox.Faults;

/// <summary>What a <see cref="FaultRule"/> does to a matching request.</summary>
public enum FaultKind
{
    /// <summary>Answers <see cref="FaultRule.StatusCode"/> with an error body; no effect.</summary>
    Error,

    /// <summary>Answers 429 with a <c>Retry-After</c> header of <see cref="FaultRule.RetryAfter"/> (whole seconds); no effect.</summary>
    RateLimit,

    /// <summary>Waits <see cref="FaultRule.Delay"/>, then handles the request normally (it does take effect).</summary>
    Latency,

    /// <summary>
    /// Waits <see cref="FaultRule.Delay"/> (meant to be longer than the client's timeout), then answers 504 if the
    /// client is still there; no effect.
    /// </summary>
    Timeout,

    /// <summary>Answers <see cref="FaultRule.StatusCode"/> (200 unless set) with a body that is not JSON; no effect.</summary>
    Malformed,

    /// <summary>
    /// Sends 200, JSON headers and the first byte of a body (<c>[</c>), then stalls for <see cref="FaultRule.Delay"/>
    /// before closing the connection; no effect.
    /// </summary>
    StalledBody,

    /// <summary>
    /// Handles the request normally (it takes effect, as a server commits whether or not the client still waits), then
    /// holds the answer for <see cref="FaultRule.Delay"/> and drops the connection: the client never learns the outcome.
    /// </summary>
    LostAnswer,
}

/// <summary>
/// Makes the next <see cref="Times"/> requests matching <see cref="Method"/> and <see cref="PathPrefix"/> misbehave.
/// Rules are tried in the order they were added; the first that matches is used up by one.
/// </summary>
public sealed record FaultRule
{
    /// <summary>The HTTP method to match (case-insensitive), or <c>*</c> for any.</summary>
    public required string Method { get; init; }

    /// <summary>The start of the request path to match (case-insensitive), e.g. <c>/erp/sales-orders</c>.</summary>
    public required string PathPrefix { get; init; }

    /// <summary>What to do.</summary>
    public required FaultKind Kind { get; init; }

    /// <summary>How many matching requests the rule applies to; <see langword="null"/> for every one.</summary>
    public int? Times { get; init; } = 1;

    /// <summary>How many matching requests pass untouched before the rule starts (e.g. 2 to fail the third page).</summary>
    public int After { get; init; }

    /// <summary>The status of <see cref="FaultKind.Error"/> (default 500) and <see cref="FaultKind.Malformed"/> (default 200).</summary>
    public int? StatusCode { get; init; }

    /// <summary>The <c>code</c> of an ERP error body.</summary>
    public string ErrorCode { get; init; } = "sandbox_fault";

    /// <summary>The <c>message</c> of the error body.</summary>
    public string Message { get; init; } = "Injected by the sandbox.";

    /// <summary>The <c>Retry-After</c> of <see cref="FaultKind.RateLimit"/>, sent in whole seconds (rounded up).</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The wait of <see cref="FaultKind.Latency"/> (default one second) and <see cref="FaultKind.Timeout"/>
    /// (default five minutes).
    /// </summary>
    public TimeSpan? Delay { get; init; }

    /// <summary>Answers <paramref name="statusCode"/> with an error body.</summary>
    public static FaultRule Error(string method, string pathPrefix, int statusCode = 500, int? times = 1, string errorCode = "sandbox_fault", string message = "Injected by the sandbox.")
        => new() { Method = method, PathPrefix = pathPrefix, Kind = FaultKind.Error, StatusCode = statusCode, Times = times, ErrorCode = errorCode, Message = message };

    /// <summary>Sends headers and one byte of the body, then stalls.</summary>
    public static FaultRule StalledBody(string method, string pathPrefix, TimeSpan stall, int? times = 1)
        => new() { Method = method, PathPrefix = pathPrefix, Kind = FaultKind.StalledBody, Delay = stall, Times = times };

    /// <summary>Applies the request, then holds its answer <paramref name="hold"/> and drops the connection.</summary>
    public static FaultRule LostAnswer(string method, string pathPrefix, TimeSpan hold, int? times = 1)
        => new() { Method = method, PathPrefix = pathPrefix, Kind = FaultKind.LostAnswer, Delay = hold, Times = times };

    /// <summary>Answers 429 with <c>Retry-After</c>.</summary>
    public static FaultRule RateLimit(string method, string pathPrefix, TimeSpan retryAfter, int? times = 1)
        => new() { Method = method, PathPrefix = pathPrefix, Kind = FaultKind.RateLimit, RetryAfter = retryAfter, Times = times };

    /// <summary>Waits <paramref name="delay"/> before handling the request normally.</summary>
    public static FaultRule Latency(string method, string pathPrefix, TimeSpan delay, int? times = 1)
        => new() { Method = method, PathPrefix = pathPrefix, Kind = FaultKind.Latency, Delay = delay, Times = times };

    /// <summary>Waits <paramref name="delay"/> (five minutes unless given), then answers 504.</summary>
    public static FaultRule Timeout(string method, string pathPrefix, TimeSpan? delay = null, int? times = 1)
        => new() { Method = method, PathPrefix = pathPrefix, Kind = FaultKind.Timeout, Delay = delay, Times = times };

    /// <summary>Answers <paramref name="statusCode"/> with a body that is not JSON, though labelled JSON.</summary>
    public static FaultRule Malformed(string method, string pathPrefix, int statusCode = 200, int? times = 1)
        => new() { Method = method, PathPrefix = pathPrefix, Kind = FaultKind.Malformed, StatusCode = statusCode, Times = times };

    internal TimeSpan EffectiveDelay => Delay ?? (Kind == FaultKind.Timeout ? TimeSpan.FromMinutes(5) : TimeSpan.FromSeconds(1));

    internal int EffectiveStatusCode => StatusCode ?? (Kind == FaultKind.Malformed ? 200 : 500);

    /// <summary>Throws <see cref="ArgumentException"/> when the rule cannot be applied.</summary>
    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Method) || !PathPrefix.StartsWith('/'))
        {
            throw new ArgumentException("A fault rule needs a method (or \"*\") and a path prefix starting with '/'.");
        }

        if (Times is <= 0 || After < 0 || StatusCode is < 100 or > 599 || Delay < TimeSpan.Zero || RetryAfter < TimeSpan.Zero
            || !Enum.IsDefined(Kind))
        {
            throw new ArgumentException("A fault rule needs times > 0 (or null), a status in 100-599 and non-negative waits.");
        }
    }

    internal bool Matches(string method, string path)
        => (Method == "*" || string.Equals(Method, method, StringComparison.OrdinalIgnoreCase))
           && path.StartsWith(PathPrefix, StringComparison.OrdinalIgnoreCase);
}

/// <summary>A rule still in force and how many more requests it applies to (<see langword="null"/>: unlimited).</summary>
public sealed record ActiveFault(FaultRule Rule, int? Remaining);
