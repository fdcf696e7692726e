using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace TracktileFunctions.Http;

/// <summary>How an outbound API client waits, retries and limits itself (bound under <c>&lt;Client&gt;:Resilience</c>).</summary>
public sealed class ApiResilienceOptions
{
    /// <summary>Timeout of one attempt.</summary>
    [Range(1, 300)]
    public int AttemptTimeoutSeconds { get; set; } = 10;

    /// <summary>Timeout of a call, all retries included.</summary>
    [Range(1, 600)]
    public int TotalTimeoutSeconds { get; set; } = 60;

    /// <summary>Retries on 408, 429, 5xx and timeouts (exponential backoff with jitter; <c>Retry-After</c> honoured).</summary>
    [Range(1, 10)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>First retry delay; later ones grow exponentially.</summary>
    [Range(0.01, 60)]
    public double BaseDelaySeconds { get; set; } = 1;

    /// <summary>Calls in flight at once from one instance; more wait their turn (protects the target system).</summary>
    [Range(1, 1_000)]
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>Applies these settings to the standard resilience pipeline.</summary>
    public void ApplyTo(HttpStandardResilienceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var attempt = TimeSpan.FromSeconds(AttemptTimeoutSeconds);
        options.AttemptTimeout.Timeout = attempt;
        options.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(Math.Max(TotalTimeoutSeconds, AttemptTimeoutSeconds));
        options.Retry.MaxRetryAttempts = MaxRetries;
        options.Retry.Delay = TimeSpan.FromSeconds(BaseDelaySeconds);
        options.Retry.UseJitter = true;
        options.Retry.ShouldRetryAfterHeader = true;
        options.CircuitBreaker.SamplingDuration = attempt * 2 + TimeSpan.FromSeconds(1);
        options.RateLimiter.DefaultRateLimiterOptions.PermitLimit = MaxConcurrency;
        options.RateLimiter.DefaultRateLimiterOptions.QueueLimit = 10_000;
    }

    /// <summary>
    /// Retries 429 whatever the method (the system did nothing), and other transient failures only for methods other
    /// than POST: a create that timed out may have happened, and the next attempt decides by looking it up first.
    /// </summary>
    public static void RetryNoUnsafeCreates(HttpStandardResilienceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Retry.ShouldHandle = args => ValueTask.FromResult(
            args.Outcome.Result?.StatusCode == System.Net.HttpStatusCode.TooManyRequests
            || (args.Context.GetRequestMessage()?.Method != HttpMethod.Post && HttpClientResiliencePredicates.IsTransient(args.Outcome)));
    }
}
