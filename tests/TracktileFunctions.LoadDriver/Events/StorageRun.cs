using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.LoadDriver.Parent;
using TracktileFunctions.LoadDriver.Proxy;

namespace TracktileFunctions.LoadDriver.Events;

/// <summary>
/// A fresh Azurite (in memory, free ports) with the counting proxy in front of it, for one scenario. Azurite is
/// registered for the last-resort clean-up and watched by a <see cref="Watchdog"/>, so it dies with the driver however
/// the driver ends.
/// </summary>
internal sealed class StorageRun : IAsyncDisposable
{
    private readonly IDisposable _cleanup;
    private readonly Watchdog _watchdog;

    private StorageRun(AzuriteFixture azurite, IDisposable cleanup, Watchdog watchdog, CountingStorageProxy proxy)
    {
        (Azurite, _cleanup, _watchdog, Proxy) = (azurite, cleanup, watchdog, proxy);
    }

    /// <summary>Azurite itself: the driver's own checks go here, uncounted.</summary>
    public AzuriteFixture Azurite { get; }

    /// <summary>The proxy: the app's connection string, and the log of every request it forwarded.</summary>
    public CountingStorageProxy Proxy { get; }

    public static async Task<StorageRun> StartAsync(CancellationToken cancellationToken)
    {
        var azurite = new AzuriteFixture();
        var cleanup = Cleanup.Register(azurite.Dispose);
        Watchdog? watchdog = null;
        try
        {
            await azurite.InitializeAsync().ConfigureAwait(false);
            watchdog = Watchdog.ForChildren("node");
            var proxy = await CountingStorageProxy.StartAsync(AzuriteFixture.AccountName, AzuriteFixture.AccountKey, azurite.BlobPort, azurite.QueuePort, azurite.TablePort, cancellationToken).ConfigureAwait(false);
            return new StorageRun(azurite, cleanup, watchdog, proxy);
        }
        catch
        {
            watchdog?.Dispose();
            cleanup.Dispose();
            await azurite.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The messages in each queue (visible, in flight or hidden for a retry), read directly.</summary>
    public async Task<int[]> CountsAsync(IEnumerable<string> queues, CancellationToken cancellationToken)
        => await Task.WhenAll(queues.Select(q => Azurite.MessageCountAsync(q, cancellationToken))).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync().ConfigureAwait(false);
        _watchdog.Dispose();
        _cleanup.Dispose();
        await Azurite.DisposeAsync().ConfigureAwait(false);
    }
}
