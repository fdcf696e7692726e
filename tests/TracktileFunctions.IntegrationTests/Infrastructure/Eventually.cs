using System.Diagnostics;

namespace TracktileFunctions.IntegrationTests.Infrastructure;

/// <summary>Bounded polling for asynchronous outcomes (a message handled, a queue emptied, nothing redelivered).</summary>
public static class Eventually
{
    /// <summary>How often a condition is checked.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Waits until <paramref name="condition"/> holds; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string description)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var stopwatch = Stopwatch.StartNew();
        while (!await condition().ConfigureAwait(false))
        {
            if (stopwatch.Elapsed > timeout)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting until {description}.");
            }

            await Task.Delay(PollInterval).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Checks that <paramref name="condition"/> keeps holding for <paramref name="duration"/> (for "exactly once" and
    /// "never": a redelivery or a late poison move shows up within a few polling intervals); fails as soon as it breaks.
    /// </summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan duration, string description)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            if (!await condition().ConfigureAwait(false))
            {
                throw new InvalidOperationException(
                    $"Expected {description} for {duration.TotalSeconds:0.#} s; it stopped after {stopwatch.ElapsedMilliseconds} ms.");
            }

            if (stopwatch.Elapsed >= duration)
            {
                return;
            }

            await Task.Delay(PollInterval).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string description)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return UntilAsync(() => Task.FromResult(condition()), timeout, description);
    }
}
