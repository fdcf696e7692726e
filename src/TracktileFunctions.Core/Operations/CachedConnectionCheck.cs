using Azure.Identity;
using Microsoft.Extensions.Logging;
using TracktileFunctions.Storage;

namespace TracktileFunctions.Operations;

/// <summary>
/// A connection check that reads stored state: its last answer is kept <see cref="Lifetime"/> (the status page may be
/// refreshed every few seconds; the state behind an answer changes in minutes), and state that cannot be read is an
/// unhealthy answer naming the failure's type, never an exception for the page.
/// </summary>
/// <param name="system">The system's name (<see cref="IConnectionCheck.System"/>).</param>
/// <param name="role">Its role (<see cref="IConnectionCheck.Role"/>).</param>
/// <param name="timeProvider">The clock.</param>
/// <param name="logger">Where a failed read is logged.</param>
public abstract partial class CachedConnectionCheck(string system, string role, TimeProvider timeProvider, ILogger logger) : IConnectionCheck
{
    /// <summary>How long an answer is kept.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);

    private Answer? _last;

    /// <inheritdoc />
    public string System => system;

    /// <inheritdoc />
    public string Role => role;

    /// <inheritdoc />
    public async Task<ConnectionHealth> CheckAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        if (_last is { } last && now >= last.At && now - last.At < Lifetime)
        {
            return last.Health;
        }

        ConnectionHealth health;
        try
        {
            health = await ReadAsync(now, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && (StorageFailure.Is(ex) || ex is AuthenticationFailedException))
        {
            LogUnreadable(system, ex.GetType().Name);
            health = new ConnectionHealth(false, [$"its stored state could not be read ({ex.GetType().Name}): storage or Key Vault did not answer"]);
        }

        _last = new Answer(health, now);
        return health;
    }

    /// <summary>Reads the stored state (one or two cheap reads) and answers from it, given the time <paramref name="now"/>.</summary>
    protected abstract Task<ConnectionHealth> ReadAsync(DateTimeOffset now, CancellationToken cancellationToken);

    [LoggerMessage(LogLevel.Warning, "The {System} connection check could not read its stored state ({Error})")]
    private partial void LogUnreadable(string system, string error);

    private sealed record Answer(ConnectionHealth Health, DateTimeOffset At);
}
