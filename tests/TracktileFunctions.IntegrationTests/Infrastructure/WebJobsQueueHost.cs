using Azure.Storage.Queues;
using Microsoft.Azure.WebJobs.Host;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;
using WebJobs = Microsoft.Azure.WebJobs;

namespace TracktileFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// An in-process WebJobs host with the real queue extension (the one the Functions host loads), listening on one
/// isolated function's queue and running that function for each message. Queue options come from the repository's
/// host.json, so retries, poison moves and decoding behave as deployed. Dispose it at the end of the test.
/// </summary>
public sealed class WebJobsQueueHost : IAsyncDisposable
{
    /// <summary>The shortest polling interval the queue extension accepts.</summary>
    public static readonly TimeSpan MinimumPollingInterval = TimeSpan.FromMilliseconds(100);

    private readonly IHost _host;

    private WebJobsQueueHost(IHost host, IsolatedQueueFunction function, string queueName)
    {
        _host = host;
        Function = function;
        QueueName = queueName;
    }

    /// <summary>The isolated function this host runs.</summary>
    public IsolatedQueueFunction Function { get; }

    /// <summary>The queue it listens on (any <c>%Setting%</c> resolved).</summary>
    public string QueueName { get; }

    /// <summary>Where the extension moves messages that fail <see cref="QueuesOptions.MaxDequeueCount"/> times.</summary>
    public string PoisonQueueName => QueueName + "-poison";

    /// <summary>The queue options in force: host.json's, then the test's overrides.</summary>
    public QueuesOptions QueueOptions => _host.Services.GetRequiredService<IOptions<QueuesOptions>>().Value;

    /// <summary>
    /// An override for tests that retry: a failed message is visible again at once and an empty queue is polled
    /// every 100 ms, instead of host.json's waits. Everything else (dequeue count, encoding, batches) stays.
    /// </summary>
    public static void FastRetries(QueuesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.VisibilityTimeout = TimeSpan.Zero;
        options.MaxPollingInterval = MinimumPollingInterval;
    }

    /// <summary>
    /// Creates the function's queue if needed and starts listening on it.
    /// </summary>
    /// <param name="function">The isolated function to run, from <see cref="IsolatedQueueFunction.Find"/>.</param>
    /// <param name="appServices">
    /// The services the function class is built from. Its <see cref="IConfiguration"/>, if registered, resolves a
    /// <c>%Setting%</c> queue name.
    /// </param>
    /// <param name="connectionString">The storage account (Azurite) for the trigger, whatever connection the attribute names.</param>
    /// <param name="output">Where the host's logs go, if anywhere.</param>
    /// <param name="configureQueues">Runs after host.json's values are applied, for example <see cref="FastRetries"/>.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<WebJobsQueueHost> StartAsync(
        IsolatedQueueFunction function,
        IServiceProvider appServices,
        string connectionString,
        ITestOutputHelper? output,
        Action<QueuesOptions>? configureQueues = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(appServices);
        IsolatedFunctionInvoker.EnsureSupported(function);

        var queueName = function.ResolveQueueName(appServices.GetService<IConfiguration>());
        var hostJson = HostJsonQueueOptions.Load();
        await new QueueClient(connectionString, queueName)
            .CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);

        var host = new HostBuilder()
            .ConfigureWebJobs(webJobs => webJobs.AddAzureStorageQueues(options =>
            {
                hostJson.ApplyTo(options);
                configureQueues?.Invoke(options);
            }))
            // After ConfigureWebJobs, so these win over its environment variables and appsettings.json.
            .ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = connectionString,
                [QueueTriggerAdapter.QueueNameSetting] = queueName,
            }))
            .ConfigureServices(services =>
            {
                services.AddSingleton<WebJobs.ITypeLocator>(new AdapterTypeLocator());
                services.AddSingleton<IJobActivator>(new AdapterActivator(function, appServices));
            })
            .ConfigureLogging(logging =>
            {
                logging.ClearProviders();
                logging.SetMinimumLevel(LogLevel.Information);
                logging.AddFilter("Azure.Core", LogLevel.Warning);
                if (output is not null)
                {
                    logging.AddProvider(new XunitLoggerProvider(output));
                }
            })
            .Build();

        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new WebJobsQueueHost(host, function, queueName);
    }

    /// <summary>Stops listening (messages in flight finish first) and releases the host.</summary>
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _host.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            _host.Dispose();
        }
    }

    /// <summary>Shows WebJobs only the adapter, so it indexes nothing else.</summary>
    private sealed class AdapterTypeLocator : WebJobs.ITypeLocator
    {
        public IReadOnlyList<Type> GetTypes() => [typeof(QueueTriggerAdapter)];
    }

    /// <summary>Builds the adapter for this host's function.</summary>
    private sealed class AdapterActivator(IsolatedQueueFunction function, IServiceProvider appServices) : IJobActivator
    {
        public T CreateInstance<T>() => typeof(T) == typeof(QueueTriggerAdapter)
            ? (T)(object)new QueueTriggerAdapter(function, appServices)
            : throw new InvalidOperationException($"This host only runs {nameof(QueueTriggerAdapter)}, not {typeof(T)}.");
    }
}
